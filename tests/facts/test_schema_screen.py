"""The pandera-free screen (``schemas.screen.may_break``) flags every row the pandera models refuse, so a
frame it passes whole is one pandera would pass; and a load whose rows all pass never imports pandera."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.screen import may_break

YEARS = st.sampled_from([None, 1990, 1991, 2020, 2100, 2101])
VALUES = st.sampled_from([None, math.nan, math.inf, -math.inf, -51.0, -50.0, 0.0, 50.0, 100.0, 100.5, 5000.0, 5001.0])
UNITS = st.sampled_from([None, "%", "points of 5", "mln USD", "mln KZT", "persons", "KZT per USD"])
CODES = st.sampled_from([None, "acsa", "astana"])
FACT = st.fixed_dictionaries({
    "row_number": st.one_of(st.none(), st.integers(1, 9)), "body_code": CODES, "year": YEARS,
    "indicator": st.sampled_from([None, "goal_achievement", "net_turnover"]), "value": VALUES, "unit": UNITS,
    "min_value": st.sampled_from([None, 0.0]), "max_value": st.sampled_from([None, 100.0]),
})
MACRO = st.fixed_dictionaries({
    "row_number": st.one_of(st.none(), st.integers(1, 9)), "series": st.sampled_from([None, "usd_kzt", "CPI-kz"]),
    "year": YEARS, "value": VALUES, "unit": UNITS,
})
FACT_TYPES = {"row_number": pl.Int64, "body_code": pl.String, "year": pl.Int64, "indicator": pl.String,
              "value": pl.Float64, "unit": pl.String, "min_value": pl.Float64, "max_value": pl.Float64}
MACRO_TYPES = {"row_number": pl.Int64, "series": pl.String, "year": pl.Int64, "value": pl.Float64, "unit": pl.String}


def _refused_by_pandera(dataset: str, frame: pl.DataFrame) -> set[int]:
    import pandera.polars as pa

    from schemas import SCHEMAS

    try:
        SCHEMAS[dataset].validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return set(exc.failure_cases["index"].drop_nulls().to_list())
    return set()


@pytest.mark.parametrize("dataset", ["evaluation_center", "public_services_monitoring", "payroll", "targets"])
@settings(max_examples=60, deadline=None)
@given(rows=st.lists(FACT, min_size=1, max_size=5))
def test_the_screen_flags_every_fact_pandera_refuses(dataset: str, rows: list[dict]) -> None:
    frame = pl.DataFrame(rows, schema=FACT_TYPES)
    flagged = may_break(dataset, frame)
    assert flagged is not None
    assert _refused_by_pandera(dataset, frame) <= set(flagged.arg_true().to_list())


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(MACRO, min_size=1, max_size=5))
def test_the_screen_flags_every_macro_row_pandera_refuses(rows: list[dict]) -> None:
    frame = pl.DataFrame(rows, schema=MACRO_TYPES)
    flagged = may_break("macro", frame)
    assert flagged is not None
    assert _refused_by_pandera("macro", frame) <= set(flagged.arg_true().to_list())


def test_a_repeated_key_is_flagged_as_pandera_refuses_it() -> None:
    """Random rows seldom repeat a key with every other field valid, so this case is written out."""
    fact = {"row_number": 1, "body_code": "acsa", "year": 2020, "indicator": "goal_achievement", "value": 50.0,
            "unit": "%", "min_value": 0.0, "max_value": 100.0}
    facts = pl.DataFrame([fact, fact | {"row_number": 2}, fact | {"year": 2021}], schema=FACT_TYPES)
    macro = pl.DataFrame([{"row_number": 1, "series": "usd_kzt", "year": 2020, "value": 412.9, "unit": "KZT per USD"}] * 2,
                         schema=MACRO_TYPES)
    for dataset, frame in (("evaluation_center", facts), ("macro", macro)):
        refused = _refused_by_pandera(dataset, frame)
        assert refused == {0, 1}
        assert set(may_break(dataset, frame).arg_true().to_list()) == refused  # type: ignore[union-attr]


def test_a_frame_not_shaped_like_the_schema_goes_to_pandera() -> None:
    frame = pl.DataFrame({"row_number": [1], "body_code": ["acsa"], "year": [2020]})  # columns missing
    assert may_break("evaluation_center", frame) is None
    assert may_break("macro", frame.with_columns(pl.col("year").cast(pl.Int32))) is None


def test_loading_rows_that_all_pass_never_imports_pandera(tmp_path: Path) -> None:
    """The bundled macro and Table 15 sources pass every rule: their loads finish without pandera or pandas."""
    code = (
        "import sys, warehouse\n"
        "from pilotwatch import registry, settings\n"
        "from pilotwatch.catalogue import load_catalogue\n"
        "from pilotwatch.ingest import load_source\n"
        "cat = load_catalogue(settings.catalogue_path())\n"
        "with warehouse.writer('test') as con:\n"
        "    registry.seed(con)\n"
        "    results = [load_source(con, cat, s, cat.years(), force=True) for s in cat.sources]\n"
        "assert all(r.status == 'loaded' and r.rows_accepted and not r.rows_rejected for r in results), results\n"
        "print(sorted(m for m in ('pandera', 'pandas') if m in sys.modules))\n"
    )
    root = Path(__file__).resolve().parents[2]
    env = {"PATH": "/usr/bin:/bin", "PILOTWATCH_HOME": str(tmp_path), "PYTHONPATH": str(root)}
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=root, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("break_it", ["drop_unit", "year_as_text"])
def test_a_frame_without_the_schemas_shape_is_an_error_not_a_pass(break_it: str) -> None:
    """A missing column or a wrong type names no row, so pandera's per-row refusals were empty and every
    row passed; now it is an error naming the dataset and the column (the screen hands such frames on)."""
    from schemas.validate import FrameShapeError, validate

    frame = pl.DataFrame({"row_number": [1, 2], "body_code": ["acsa", "acsa"], "year": [2020, 2021],
                          "indicator": ["goal_achievement"] * 2, "value": [50.0, 60.0], "unit": ["%", "%"],
                          "min_value": [0.0, 0.0], "max_value": [100.0, 100.0], "_column": ["v", "v"]})
    valid, rejects = validate("evaluation_center", frame)
    assert valid.height == 2 and rejects.is_empty()
    broken = frame.drop("unit") if break_it == "drop_unit" else frame.with_columns(pl.col("year").cast(pl.String))
    with pytest.raises(FrameShapeError, match=r"evaluation_center: .*(unit|year)"):
        validate("evaluation_center", broken)

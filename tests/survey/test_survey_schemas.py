"""The survey instrument is written once: staging models are generated from it, the migration agrees."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandera.polars as pa
import polars as pl
import pytest
import yaml

import warehouse
from pilotwatch import settings
from pilotwatch.survey.items import load_instruments
from schemas.survey import staging_model
from transforms.survey.spec import INSTRUMENTS

#: The migration's columns that are not answers: who loaded the row and which wave it belongs to.
LOAD_COLUMNS = {"load_id": "BIGINT", "wave": "VARCHAR", "respondent": "BIGINT"}
DUCKDB_TYPE = {"Int8": "TINYINT", "String": "VARCHAR"}


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path_factory.mktemp("survey-schemas") / "m.duckdb"))
    warehouse.migrate(con)
    return con


@pytest.mark.parametrize("instrument", INSTRUMENTS)
def test_the_migrations_staging_table_has_the_generated_models_columns(migrated: duckdb.DuckDBPyConnection,
                                                                       instrument: str) -> None:
    schema = staging_model(load_instruments(), instrument).to_schema()
    expected = {**LOAD_COLUMNS, **{name: DUCKDB_TYPE[str(col.dtype)] for name, col in schema.columns.items()
                                   if name != "_row"}}
    table = dict(migrated.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'staging' "
        "AND table_name = ? ORDER BY ordinal_position", [f"survey_{instrument}"]).fetchall())
    assert table == expected


def _valid_row(instrument: str) -> dict[str, object]:
    spec = load_instruments()
    ins = spec.get(instrument)
    row: dict[str, object] = {"_row": 1, "body_code": "acsa"}
    row |= {d: next(iter(spec.demographics[d].options)) for d in ins.demographics}
    row |= {i: 4 for i in ins.likert_items}
    row |= {q: next(iter(question.options)) for q, question in ins.questions.items()}
    return row


def _frame(rows: list[dict[str, object]], model: type[pa.DataFrameModel]) -> pl.DataFrame:
    types = {name: (pl.Int64 if name == "_row" else col.dtype.type) for name, col in model.to_schema().columns.items()}
    return pl.DataFrame(rows, schema=types)


@pytest.mark.parametrize("instrument", INSTRUMENTS)
def test_the_generated_model_accepts_coded_answers_and_refuses_codes_the_instrument_lacks(instrument: str) -> None:
    model = staging_model(load_instruments(), instrument)
    good = _valid_row(instrument)
    model.validate(_frame([good], model))
    column = next(c for c in good if c not in ("_row", "body_code"))
    bad = {**good, "_row": 2, column: 9 if isinstance(good[column], int) else "not_an_option"}
    with pytest.raises(pa.errors.SchemaErrors) as exc:
        model.validate(_frame([good, bad], model), lazy=True)
    assert exc.value.failure_cases["column"].to_list() == [column]


def test_an_item_added_to_the_definition_is_validated_without_code(tmp_path: Path) -> None:
    raw = yaml.safe_load(settings.DEFAULT_SURVEY_ITEMS.read_text(encoding="utf-8"))
    employees = raw["instruments"]["employees"]
    employees["constructs"]["R"]["items"].append("R3")
    employees["items"]["R3"] = {**employees["items"]["R2"]}
    path = tmp_path / "items.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    columns = staging_model(load_instruments(path), "employees").to_schema().columns
    assert "R3" in columns and columns["R3"].checks == columns["R2"].checks


@pytest.mark.parametrize("instrument", INSTRUMENTS)
def test_pandera_refuses_nothing_that_may_fail_lets_through(instrument: str) -> None:
    """``may_fail`` spares the survey command pandera's import: a frame it passes must pass pandera, and
    it must flag every kind of refusal (option, range, null, type, missing or extra column, repeated row)."""
    import random

    from schemas.survey import may_fail, rules

    spec = load_instruments()
    model = staging_model(spec, instrument)
    good = _valid_row(instrument)
    assert not may_fail(_frame([good], model), spec, instrument)
    model.validate(_frame([good], model))
    cols = rules(spec, instrument)
    rng = random.Random(14)
    pools: dict[str, list[object]] = {}
    for r in cols.values():
        if r.column == "_row":
            pools[r.column] = [1, 2, 3]
        elif r.isin is not None:
            pools[r.column] = [*r.isin, None, "not_an_option", r.isin[0].upper()]
        elif r.ge is not None:
            pools[r.column] = [r.ge, r.le, 3, None, r.ge - 1, r.le + 1]
        else:
            pools[r.column] = ["acsa", None]
    outcomes = {True: 0, False: 0}
    for _ in range(150):  # random frames: some pass, most break one rule or several
        rows = [{c: (rng.choice(pool) if rng.random() < 0.08 else good[c]) for c, pool in pools.items()}
                for _ in range(rng.randint(0, 4))]
        frame = _frame(rows, model)
        flagged = may_fail(frame, spec, instrument)
        try:
            model.validate(frame, lazy=True)
            refused = False
        except pa.errors.SchemaErrors:
            refused = True
        assert flagged or not refused, rows
        outcomes[refused] += 1
    assert outcomes[True] and outcomes[False]  # both kinds of frame were tried
    first = next(c for c in good if c not in ("_row", "body_code"))
    for broken in (_frame([good], model).drop(first),
                   _frame([good], model).with_columns(pl.lit("x").alias("extra")),
                   _frame([good], model).with_columns(pl.col("_row").cast(pl.Int32)),
                   _frame([good, good], model)):
        assert may_fail(broken, spec, instrument)
        with pytest.raises((pa.errors.SchemaErrors, pa.errors.SchemaError)):
            model.validate(broken, lazy=True)

"""The load ledger and the reject vocabulary: one record per load with named columns, one way to say
"unchanged" and "too much refused", and a quarantine that names the cell that is actually wrong."""

from __future__ import annotations

import json
import pickle
import re
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pandera.polars as pa
import polars as pl
import pytest
from warehouse_reads import rows as _rows

import warehouse
from pilotwatch.catalogue import Catalogue, Source
from pilotwatch.ingest import load_source
from pilotwatch.loads import Load, LoadFailed, LoadResult
from schemas.rejects import REJECTS, pandera_rejects

ROOT = Path(__file__).resolve().parents[2]
RU = {"body": "Орган", "year": "Год", "indicator": "Показатель", "value": "Значение"}


def _start(con: duckdb.DuckDBPyConnection, **kw: Any) -> Load:
    spec: dict[str, Any] = {"dataset": "payroll", "source_id": "s1", "source_kind": "file",
                            "source_uri": "/data/s1.csv", "years": [2021, 2020], "run_id": "r1"}
    return Load.start(con, **(spec | kw))


# ------------------------------------------------------------------ the ledger


def test_a_load_is_recorded_once_with_named_columns(seeded_db: Path) -> None:
    with warehouse.writer("test") as con:
        load = _start(con)
        assert load.unchanged("abc") is None  # never loaded: not unchanged
        load.count(read=5, accepted=4, rejected=1)
        with load.transaction():
            load.quarantine(pl.DataFrame({"_row": [3], "column_name": ["Год"], "reason": ["cannot read a year"]},
                                         schema=REJECTS),
                            pl.DataFrame({"row_number": [3], "raw_row": ['{"Год": "20x1"}']}))
            result = load.finish("a note")
    assert result == LoadResult(load.load_id, "payroll", "s1", "/data/s1.csv", "loaded", 5, 4, 1, "a note")
    [row] = _rows(seeded_db, "select run_id, dataset, source_id, source_kind, source_uri, years, sha256, rows_read, "
                             "rows_accepted, rows_rejected, status, message, finished_at >= started_at from mart.loads")
    assert row == ("r1", "payroll", "s1", "file", "/data/s1.csv", "2020,2021", "abc", 5, 4, 1, "loaded", "a note", True)
    [q] = _rows(seeded_db, "select load_id, source_id, source_uri, row_number, column_name, reason, raw_row "
                           "from mart.quarantine")
    assert q[:6] == (load.load_id, "s1", "/data/s1.csv", 3, "Год", "cannot read a year")
    assert json.loads(q[6]) == {"Год": "20x1"}


def test_the_same_bytes_again_are_unchanged_unless_forced(seeded_db: Path) -> None:
    with warehouse.writer("test") as con:
        first = _start(con)
        assert first.unchanged("abc") is None
        first.finish()
        again = _start(con)
        done = again.unchanged("abc")
        assert done is not None and done.status == "unchanged"
        assert _start(con).unchanged("abc", force=True) is None
        assert _start(con, years=[2019]).unchanged("abc") is None  # other years: another load
        assert _start(con).unchanged("new bytes") is None
        assert _start(con).unchanged("new bytes", not_modified=True) is not None  # the server said 304
    statuses = _rows(seeded_db, "select status from mart.loads order by load_id")
    assert statuses == [("loaded",), ("unchanged",), ("unchanged",)]


@pytest.mark.parametrize(
    ("accepted", "rejected", "threshold", "expected"),
    [
        (8, 2, 0.2, None),
        (7, 3, 0.2, "3 of 10 values rejected (30% > max_reject_share 20%); nothing loaded. First problems: p"),
        (7, 3, 0.5, None),
        (0, 0, 0.2, "no values for years 2020,2021"),
    ],
)
def test_reject_share_gate(seeded_db: Path, accepted: int, rejected: int, threshold: float,
                           expected: str | None) -> None:
    with warehouse.writer("test") as con:
        load = _start(con)
        load.count(read=10, accepted=accepted, rejected=rejected)
        why = load.gate(threshold, first_problems="p")
    assert why == (None if expected is None else f"source s1 (/data/s1.csv): {expected}")


def test_a_failed_load_carries_its_result_and_keeps_its_audit(seeded_db: Path) -> None:
    with warehouse.writer("test") as con:
        load = _start(con)
        load.count(read=2, accepted=1, rejected=1)
        with pytest.raises(LoadFailed) as exc, load.transaction():
            load.quarantine(pl.DataFrame({"_row": [2], "column_name": ["value"], "reason": ["too big"]},
                                         schema=REJECTS))
            raise load.fail("too much refused")
        with pytest.raises(RuntimeError, match="crash"), _start(con).transaction():
            con.execute("INSERT INTO core.quarantine (load_id, dataset, source_id, source_uri, reason, created_at) "
                        "VALUES (99, 'payroll', 's1', 'u', 'rolled back', now())")
            raise RuntimeError("crash")
    assert exc.value.result.status == "failed" and str(exc.value) == "too much refused"
    assert exc.value.result.load_id == load.load_id and exc.value.result.rows_rejected == 1
    copy = pickle.loads(pickle.dumps(exc.value))  # orchestrators pickle task exceptions
    assert copy.result == exc.value.result and str(copy) == "too much refused"
    assert _rows(seeded_db, "select status, message from mart.loads") == [("failed", "too much refused")]
    assert _rows(seeded_db, "select reason from mart.quarantine") == [("too big",)]


def test_meta_loads_is_written_in_one_function_and_pandera_translated_in_one() -> None:
    """The architecture, pinned: a second writer of meta.loads or a second pandera translator fails here.
    (Payroll writes its row through ``pilotwatch.loads.write_row`` and words its date rules through
    ``pandera_rejects``' options: no exception.)"""
    product = [p for d in ("pilotwatch", "flows", "schemas", "transforms", "warehouse")
               for p in (ROOT / d).rglob("*") if p.suffix in (".py", ".sql")]
    writers = {p.relative_to(ROOT).as_posix() for p in product
               if re.search(r"(INSERT|UPDATE|DELETE)\s+(OR\s+REPLACE\s+)?(INTO\s+|FROM\s+)?meta\.loads\b",
                             p.read_text(encoding="utf-8"), re.I)}
    assert writers == {"warehouse/sql/record_load.sql"}
    users = {p.relative_to(ROOT).as_posix() for p in product if p.suffix == ".py"
             and "sql(\"record_load\")" in p.read_text(encoding="utf-8")}
    assert users == {"pilotwatch/loads/ledger.py"}
    translators = {p.relative_to(ROOT).as_posix() for p in product
                   if ".failure_cases" in p.read_text(encoding="utf-8")}
    assert translators == {"schemas/rejects.py"}


# ------------------------------------------------------------------ the reject vocabulary


class _Answers(pa.DataFrameModel):
    Q1: int = pa.Field(ge=1, le=5)
    year: int = pa.Field(ge=1991)


def test_pandera_failures_become_reasons_under_the_source_headers() -> None:
    frame = pl.DataFrame({"_row": [4, 5, 6], "Q1": [3, 7, 2], "year": [2020, 1985, 2021]})
    with pytest.raises(pa.errors.SchemaErrors) as exc:
        _Answers.validate(frame, lazy=True)
    got = pandera_rejects(exc.value, frame, headers={"Q1": "Вопрос 1", "year": "Год"})
    assert got.schema == pl.Schema(REJECTS)
    assert got.rows() == [(5, "Вопрос 1", "Q1 7 is above the maximum 5 (less_than_or_equal_to(5))"),
                          (5, "Год", "year 1985 is below the minimum 1991 (greater_than_or_equal_to(1991))")]


class _Dates(pa.DataFrameModel):
    amount: float = pa.Field(ge=0)
    hired: int
    paid: int

    @pa.dataframe_check(name="hired before paid")
    def hired_before_paid(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("hired") <= pl.col("paid"))


def test_a_rule_over_several_columns_is_refused_under_the_column_it_names() -> None:
    frame = pl.DataFrame({"_row": [7, 8], "amount": [-5.0, 1.0], "hired": [1, 9], "paid": [3, 4]})
    with pytest.raises(pa.errors.SchemaErrors) as exc:
        _Dates.validate(frame, lazy=True)

    def explain(check: str, row: dict[str, object]) -> str | None:
        return f"breaks '{check}' (hired {row['hired']}, paid {row['paid']})" if check == "hired before paid" else None

    got = pandera_rejects(exc.value, frame, rule_headers={"hired before paid": "hired"}, explain=explain,
                          name_check=False)
    assert got.rows() == [(7, "amount", "amount -5.0 is below the minimum 0"),
                          (8, "hired", "breaks 'hired before paid' (hired 9, paid 4)")]


# ------------------------------------------------------------------ the quarantine names the real column


def _source(path: Path, fmt: str = "csv", **extra: Any) -> Source:
    spec: dict[str, Any] = {"id": "ru_source", "dataset": "evaluation_center", "years": [], "kind": "file",
                            "path": str(path), "format": fmt, "layout": "long", "columns": RU,
                            "units": {"assume_declared": True}}  # values in the indicators' declared units
    return Source.model_validate(spec | extra)


def _load(src: Source) -> LoadResult:
    with warehouse.writer("test") as con:
        return load_source(con, Catalogue(sources=[src], base_dir="/"), src, [])


def _good_rows(n: int = 4) -> list[list[object]]:
    bodies = ["astana", "mangystau", "justice", "shymkent", "atyrau", "pavlodar"]
    return [[b, 2021, "goal_achievement", 70.0] for b in bodies[:n]]


@pytest.mark.parametrize(
    ("bad", "column", "reason"),
    [
        (["Ministry of Magic", 2021, "goal_achievement", 50], "Орган", "unknown body 'Ministry of Magic'"),
        (["acsa", 1985, "goal_achievement", 50], "Год", "year 1985 is below the minimum 1991"),
        (["acsa", 2021, "goal_achievement", 104.5], "Значение", "outside the registered range [0, 100]"),
    ],
    ids=["unknown-body", "out-of-range-year", "out-of-range-value"],
)
def test_quarantine_names_the_column_that_is_wrong(seeded_db: Path, tmp_path: Path, bad: list[object],
                                                   column: str, reason: str) -> None:
    p = tmp_path / "in.csv"
    p.write_text("\n".join(",".join(map(str, r)) for r in [list(RU.values()), bad, *_good_rows()]) + "\n")
    r = _load(_source(p))
    assert (r.status, r.rows_accepted, r.rows_rejected) == ("loaded", 4, 1)
    [(row, col, why)] = _rows(seeded_db, "select row_number, column_name, reason from mart.quarantine")
    assert (row, col) == (2, column) and reason in why
    assert f"row 2, column '{column}'" in r.message


@pytest.mark.parametrize("merged", ["body", "year"])
def test_an_empty_merged_cell_is_quarantined_in_its_own_column(seeded_db: Path, tmp_path: Path, merged: str) -> None:
    """Published tables merge a body's (or a year's) cells over its rows; without ``fill_down`` the
    cells under the first are empty, and the refusal must point at them, not at the value."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(RU.values()))
    ws.append(["acsa", 2021, "goal_achievement", 95.5])
    ws.append(["acsa", 2021, "overall_effectiveness", 88.0])
    for r in _good_rows(6):
        ws.append(r)
    letter = "A" if merged == "body" else "B"
    ws.merge_cells(f"{letter}2:{letter}3")  # row 3's cell is now empty, as read
    p = tmp_path / "merged.xlsx"
    wb.save(p)
    r = _load(_source(p, fmt="xlsx"))
    assert (r.status, r.rows_rejected) == ("loaded", 1), r.message
    [(row, col, why)] = _rows(seeded_db, "select row_number, column_name, reason from mart.quarantine")
    assert (row, col) == (3, RU[merged])
    assert ("the cell is empty" if merged == "body" else "cannot read a year from ''") in why


def test_rejected_cell_refuses_nothing_its_polars_check_lets_through() -> None:
    """The ledger runs pandera's ``RejectedCell`` only when ``rejected_cell_may_fail`` flags the frame (its
    import costs 0.45 s): every frame pandera refuses must be flagged, and a clean one must not be."""
    import random

    from schemas.quarantine import RejectedCell
    from schemas.rejects import REJECTED_CELL, rejected_cell_may_fail

    rng = random.Random(14)
    pools: dict[str, list[object]] = {"source_id": ["ec_2020", None], "row_number": [3, None],
                                      "column_name": ["value", None], "reason": ["value is missing", "", None],
                                      "raw_row": ['{"a": "1"}', None]}
    seen = {True: 0, False: 0}
    for _ in range(120):
        rows = [{c: rng.choice(p) if rng.random() < 0.15 else p[0] for c, p in pools.items()}
                for _ in range(rng.randint(0, 3))]
        frame = pl.DataFrame(rows, schema=REJECTED_CELL)
        try:
            RejectedCell.validate(frame, lazy=True)
            refused = False
        except pa.errors.SchemaErrors:
            refused = True
        assert rejected_cell_may_fail(frame) or not refused, rows
        assert refused or not rejected_cell_may_fail(frame), rows  # and it does not cry wolf
        seen[refused] += 1
    assert seen[True] and seen[False]
    clean = pl.DataFrame([{c: p[0] for c, p in pools.items()}], schema=REJECTED_CELL)
    for other in (clean.drop("raw_row"), clean.with_columns(pl.col("row_number").cast(pl.Int32)),
                  clean.with_columns(pl.lit("x").alias("extra"))):
        assert rejected_cell_may_fail(other)
        with pytest.raises((pa.errors.SchemaErrors, pa.errors.SchemaError)):
            RejectedCell.validate(other, lazy=True)


def test_the_ledger_still_refuses_a_quarantine_row_without_a_reason(seeded_db: Path) -> None:
    con = warehouse.connect(read_only=False, path=seeded_db)
    try:
        load = Load.start(con, dataset="macro", source_id="m", source_kind="file", source_uri="x.csv", years="2020")
        bad = pl.DataFrame({"_row": [2], "column_name": ["value"], "reason": [""]}, schema=REJECTS)
        with pytest.raises(pa.errors.SchemaError, match="reason"):
            load.quarantine(bad)
    finally:
        con.close()

"""The small pieces the payroll load's steps share: how a cell is parsed, how a stage row finds its line
in the file, how a named SQL file is filled in."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pilotwatch.payroll.layout import parse
from pilotwatch.payroll.model import FEW_BAD_LINES, Layout, Staged, query
from pilotwatch.sources.fetch import Fetched


@pytest.mark.parametrize(("cell", "month", "error"), [
    ("2019-01", dt.date(2019, 1, 1), None),
    (" 2019-02 ", dt.date(2019, 2, 1), None),
    ("2019-03-15", dt.date(2019, 3, 1), None),
    ("2019-4", dt.date(2019, 4, 1), None),
    ("2019-13", None, "month '2019-13' is not a month (YYYY-MM)"),
    ("2019-00", None, "month '2019-00' is not a month (YYYY-MM)"),
    ("2019/01", None, "month '2019/01' is not a month (YYYY-MM)"),
    (None, None, None),
])
def test_a_month_cell_is_its_first_day_or_a_reason(cell: str | None, month: dt.date | None, error: str | None) -> None:
    value, why = parse("month", "m", "VARCHAR")
    assert duckdb.sql(f"SELECT {value}, {why} FROM (SELECT ?::VARCHAR AS m)", params=[cell]).fetchall() == \
        [(month, error)]


@pytest.mark.parametrize(("column", "cells", "expected"), [
    ("status", ["active", " LEFT ", "On_Leave", None, "gone"], ["active", "left", "on_leave", None, "gone"]),
    ("currency", ["KZT", "usd ", None, "eur"], ["KZT", "USD", None, "EUR"]),
    ("position_category", ["specialist", " Deputy_Head", "janitor"], ["specialist", "deputy_head", "janitor"]),
])
def test_categorical_cells_are_trimmed_and_cased_whether_or_not_already_canonical(
        column: str, cells: list[str | None], expected: list[str | None]) -> None:
    value, why = parse(column, "c", "VARCHAR")
    got = duckdb.sql(f"SELECT {value} FROM (SELECT unnest(?::VARCHAR[]) AS c, generate_subscripts(?::VARCHAR[], 1) AS i) "
                     "ORDER BY i", params=[cells, cells]).fetchall()
    assert [g for (g,) in got] == expected and why is None


def _staged(fmt: str, badline_ks: tuple[int, ...]) -> Staged:
    layout = Layout(fmt, Path("x"), {}, {}, [])
    return Staged(layout, Fetched("x", None, None), 1000, badline_ks, pl.DataFrame())


@pytest.mark.parametrize(("fmt", "bad_lines"), [
    ("parquet", 0), ("csv", 0), ("csv", 3), ("csv", FEW_BAD_LINES + 6),  # the last one takes the ASOF join
])
def test_a_stage_row_finds_its_line_the_same_in_python_and_in_sql(fmt: str, bad_lines: int) -> None:
    # bad lines every 7th line from line 5: the j-th (1-based) at line 5 + 7(j-1), after line - j - 1 good rows
    lines = [5 + 7 * j for j in range(bad_lines)]
    ks = tuple(line - j - 1 for j, line in enumerate(lines, start=1))
    staged = _staged(fmt, ks)
    con = duckdb.connect()
    con.execute("CREATE TEMP TABLE _pr_badlines AS SELECT unnest(?::BIGINT[]) AS k, "
                "unnest(range(1, ?::BIGINT + 1)) AS n", [list(ks), len(ks)])
    row, join = staged.row_sql("r")
    assert ("ASOF" in join) == (bad_lines > FEW_BAD_LINES)
    got = con.execute(f"SELECT r._rowid, {row} FROM (SELECT range AS _rowid FROM range(600)) r {join} "
                      "ORDER BY 1").fetchall()
    assert all(n == staged.row_number(rowid) for rowid, n in got)
    if fmt == "csv":  # every good row's line is a line of the file that is neither the header nor a bad line
        numbers = [n for _, n in got]
        assert len(set(numbers)) == 600 and min(numbers) == 2 and not set(numbers) & set(lines)


def test_a_named_sql_file_with_a_placeholder_left_is_refused() -> None:
    assert "CREATE TABLE st.labels" in query("stage_labels", stage="st", employee_id="a", body_code="b",
                                             month="m", reader="range(1)")
    with pytest.raises(ValueError, match=r"payroll/stage_labels\.sql: placeholder left unfilled"):
        query("stage_labels", stage="st")


def test_sql_flags_every_row_on_which_a_rule_of_the_schema_fails() -> None:
    """pandera reads only the rows ``may_break`` flags: it must flag every row pandera refuses (and here,
    on rows each breaking one rule at its edge, no other)."""
    import pandera.polars as pa

    from pilotwatch.payroll.check import may_break
    from schemas.payroll_records import PayrollRecords

    good = {"position_category": "specialist", "grade": 8, "month": dt.date(2019, 1, 1), "base_salary": 0.0,
            "bonus": 100_000_000.0, "other_pay": 5.0, "currency": "KZT", "hire_date": dt.date(2019, 1, 31),
            "leave_date": dt.date(2019, 1, 31), "status": "left"}
    edits = [{}, {"grade": None}, {"hire_date": None, "leave_date": dt.date(1900, 1, 1)},
             {"position_category": "janitor"}, {"grade": 0}, {"grade": 41}, {"month": dt.date(1990, 12, 1)},
             {"base_salary": -0.01}, {"bonus": 100_000_000.01}, {"other_pay": None}, {"currency": "EUR"},
             {"hire_date": dt.date(1949, 12, 31)}, {"status": None}, {"hire_date": dt.date(2019, 2, 1)},
             {"leave_date": dt.date(2019, 1, 30)}]
    rows = pl.DataFrame([good | e for e in edits], schema_overrides={"grade": pl.Int64})
    rows = rows.with_row_index("row_number").with_columns(pl.col("row_number").cast(pl.Int64))
    try:
        PayrollRecords.validate(rows, lazy=True)
        refused: set[int] = set()
    except pa.errors.SchemaErrors as exc:
        refused = set(exc.failure_cases["index"].drop_nulls().to_list())
    flagged = {n for (n,) in duckdb.sql(f"SELECT row_number FROM rows WHERE {may_break(PayrollRecords.to_schema())}"
                                        ).fetchall()}
    assert refused == set(range(3, len(edits))) == flagged

"""Step 5, derive: the records of whole years reduced to the yearly figures (``derive``).

SQL reduces the records to two small summaries (per employee-year and per body-month); the
definitions run on those in polars (``transforms/payroll/aggregates.py``); everything derived for
those years is replaced in one transaction. Whole years, because the pay gap and the peer-group
means depend on every body of a year.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import duckdb
import polars as pl

from pilotwatch.payroll.model import DATASET, RATE_SERIES, PayrollError, query
from transforms.payroll import aggregates as agg
from warehouse import frame, transaction


@dataclass(frozen=True)
class Derived:
    years: list[int]
    body_years: int
    facts: int
    category_rows: int
    gap_rows: int
    seconds: float
    cpu_seconds: float = 0.0


def derive(con: duckdb.DuckDBPyConnection, years: list[int] | None = None, rate_series: str = RATE_SERIES) -> Derived:
    """Recompute the derived payroll figures for ``years`` (default: every year with records)."""
    t0, c0 = time.perf_counter(), time.process_time()
    if years is None:
        years = [int(r[0]) for r in con.execute("SELECT DISTINCT year FROM core.payroll_records ORDER BY 1").fetchall()]
    years = sorted({int(y) for y in years})
    if not years:
        return Derived([], 0, 0, 0, 0, 0.0)
    con.execute(query("employee_years"), [years, rate_series])
    try:
        summaries = frame(con, query("body_years"), [years])
        medians = frame(con, query("category_medians"))
        level = frame(con, query("level_medians"))
    finally:
        con.execute("DROP TABLE IF EXISTS _pr_emp")
    rates = frame(con, "SELECT year, value AS usd_kzt FROM core.macro_series WHERE series = ?", [rate_series])
    aggregates = agg.body_year_indicators(summaries, rates)
    units = dict(con.execute("SELECT indicator, unit FROM core.indicators").fetchall())
    missing = [i for i in agg.INDICATORS if i not in units]
    if missing:
        raise PayrollError(f"indicator(s) {missing} are not in the registry (data/reference/indicators.csv)")
    facts = agg.indicator_facts(aggregates, units)
    bodies = frame(con, "SELECT body_code, kind, level, peer_group FROM core.bodies")
    facts = pl.concat([facts, agg.peer_group_facts(facts, bodies)])
    category = agg.category_pay(medians, rates)
    gap = agg.pay_gap(level, rates)
    with transaction(con):
        for table, data in (("core.payroll_aggregates", aggregates), ("core.payroll_category_pay", category),
                            ("core.payroll_pay_gap", gap)):
            con.execute(f"DELETE FROM {table} WHERE year IN (SELECT unnest(?::INTEGER[]))", [years])
            _insert(con, table, data)
        con.execute(query("delete_derived_facts"), [DATASET, years])
        _insert(con, "core.indicator_facts", facts.with_columns(basis=pl.lit("derived"), dataset=pl.lit(DATASET)))
    return Derived(years, aggregates.height, facts.height, category.height, gap.height,
                   round(time.perf_counter() - t0, 3), round(time.process_time() - c0, 3))


def _insert(con: duckdb.DuckDBPyConnection, table: str, data: pl.DataFrame) -> None:
    con.register("_pr_insert", data)
    try:
        cols = ", ".join(data.columns)
        con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _pr_insert")
    finally:
        con.unregister("_pr_insert")

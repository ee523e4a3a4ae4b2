"""Derived payroll figures for 250 bodies x 10 years against a plain DuckDB SQL query of the same (issue 7).

On a national-scale synthetic warehouse (``benchmarks/payroll_common.py``: 100,000 employees x 12
months x 10 years, 250 bodies; built once and kept in ``--workdir``), times in one process:

- ``baseline``: three plain SQL queries that compute the same figures straight from
  ``core.payroll_records`` and return them (payroll fund in KZT and USD, bonus share, average
  headcount, leavers, net turnover per body-year; median monthly pay per body, year and category;
  the central-local pay gap per year, category and scope) — no Python, nothing written;
- ``pilotwatch``: ``pilotwatch.payroll.derive`` for every year: SQL reductions, the
  definitions in polars (``transforms/payroll/aggregates.py``), peer-group means, and the writes
  (``core.payroll_*`` tables, indicator facts) in one transaction.

Interleaved ``--repeat`` times on a scratch copy of the warehouse; medians and the ratio are printed,
and the two results are compared value by value.

Usage::

    python -m benchmarks.payroll_derive --workdir /tmp/pilotwatch-bench          # builds the warehouse once
    python -m benchmarks.payroll_derive --employees 2000 --years 2019-2020 --bodies 20   # small
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.payroll_common import warehouses

BASELINE = {
    "body_years": """
WITH rates AS (SELECT year, value AS usd_kzt FROM core.macro_series WHERE series = 'usd_kzt'),
r AS (
    SELECT p.body_code, p.year, p.month, p.employee_key,
           CASE WHEN p.currency = 'KZT' THEN p.base_salary + p.bonus + p.other_pay
                ELSE round(p.base_salary * CAST(x.usd_kzt AS DECIMAL(18, 4)), 2)
                   + round(p.bonus * CAST(x.usd_kzt AS DECIMAL(18, 4)), 2)
                   + round(p.other_pay * CAST(x.usd_kzt AS DECIMAL(18, 4)), 2) END AS pay,
           CASE WHEN p.currency = 'KZT' THEN p.bonus
                ELSE round(p.bonus * CAST(x.usd_kzt AS DECIMAL(18, 4)), 2) END AS bonus,
           coalesce(p.leave_date, CASE WHEN p.status = 'left' THEN last_day(p.month) END) AS leave_on
    FROM core.payroll_records p LEFT JOIN rates x USING (year)
),
hc AS (
    SELECT body_code, year, month, count(*) FILTER (WHERE NOT coalesce(leave_on <= last_day(month), false)) AS headcount
    FROM r GROUP BY ALL
),
hy AS (SELECT body_code, year, avg(headcount) AS average_headcount FROM hc GROUP BY ALL),
s AS (
    SELECT body_code, year, sum(pay) AS pay, sum(bonus) AS bonus,
           count(DISTINCT employee_key) FILTER (WHERE year(leave_on) = year) AS leavers
    FROM r GROUP BY ALL
)
SELECT s.body_code, s.year, CAST(s.pay AS DOUBLE) / 1e6 AS payroll_fund_mkzt,
       CAST(s.pay AS DOUBLE) / x.usd_kzt / 1e6 AS payroll_fund_musd,
       CAST(s.bonus AS DOUBLE) / CAST(s.pay AS DOUBLE) * 100 AS bonus_share,
       hy.average_headcount, s.leavers / hy.average_headcount * 100 AS net_turnover
FROM s JOIN hy USING (body_code, year) LEFT JOIN rates x USING (year)
ORDER BY 1, 2""",
    "category_pay": """
WITH rates AS (SELECT year, value AS usd_kzt FROM core.macro_series WHERE series = 'usd_kzt'),
e AS (
    SELECT p.body_code, p.year, p.position_category, p.employee_key, count(*) AS months,
           sum(CASE WHEN p.currency = 'KZT' THEN p.base_salary + p.bonus + p.other_pay
                    ELSE round(p.base_salary * CAST(x.usd_kzt AS DECIMAL(18, 4)), 2)
                       + round(p.bonus * CAST(x.usd_kzt AS DECIMAL(18, 4)), 2)
                       + round(p.other_pay * CAST(x.usd_kzt AS DECIMAL(18, 4)), 2) END) AS pay
    FROM core.payroll_records p LEFT JOIN rates x USING (year) GROUP BY ALL
)
SELECT body_code, year, position_category, count(*) AS employees,
       median(CAST(pay AS DOUBLE) / months) AS median_monthly_pay_kzt
FROM e GROUP BY ALL ORDER BY 1, 2, 3""",
    "pay_gap": """
WITH rates AS (SELECT year, value AS usd_kzt FROM core.macro_series WHERE series = 'usd_kzt'),
r AS (
    SELECT p.body_code, p.year, p.position_category, p.pilot, p.employee_key, b.level,
           CASE WHEN p.currency = 'KZT' THEN p.base_salary + p.bonus + p.other_pay
                ELSE round(p.base_salary * CAST(x.usd_kzt AS DECIMAL(18, 4)), 2)
                   + round(p.bonus * CAST(x.usd_kzt AS DECIMAL(18, 4)), 2)
                   + round(p.other_pay * CAST(x.usd_kzt AS DECIMAL(18, 4)), 2) END AS pay
    FROM core.payroll_records p JOIN core.bodies b USING (body_code) LEFT JOIN rates x ON x.year = p.year
    WHERE b.level IN ('central', 'local')
),
e AS (
    SELECT year, position_category, 'all' AS scope, level, body_code, employee_key, sum(pay) / count(*) AS monthly
    FROM r GROUP BY ALL
    UNION ALL
    SELECT year, position_category, CASE WHEN pilot THEN 'pilot' ELSE 'non_pilot' END, level, body_code,
           employee_key, sum(pay) / count(*)
    FROM r GROUP BY ALL
),
m AS (SELECT year, position_category, scope, level, median(CAST(monthly AS DOUBLE)) AS median_kzt FROM e GROUP BY ALL)
SELECT c.year, c.position_category, c.scope, c.median_kzt AS central_median_kzt, l.median_kzt AS local_median_kzt,
       (c.median_kzt - l.median_kzt) / l.median_kzt * 100 AS gap_pct
FROM (SELECT * FROM m WHERE level = 'central') c
JOIN (SELECT * FROM m WHERE level = 'local') l USING (year, position_category, scope)
ORDER BY 1, 2, 3""",
}


def run_baseline(con) -> dict[str, object]:  # noqa: ANN001
    return {name: con.sql(q).pl() for name, q in BASELINE.items()}


def compare(con, base: dict[str, object]) -> float:  # noqa: ANN001
    """Largest relative difference between the baseline's figures and the derived tables."""
    import polars as pl

    worst = 0.0
    pairs = [
        ("body_years", "SELECT body_code, year, payroll_fund_mkzt, payroll_fund_musd, bonus_share, average_headcount, "
                       "net_turnover FROM core.payroll_aggregates ORDER BY 1, 2", ["body_code", "year"]),
        ("category_pay", "SELECT body_code, year, position_category, employees, median_monthly_pay_kzt "
                         "FROM core.payroll_category_pay ORDER BY 1, 2, 3", ["body_code", "year", "position_category"]),
        ("pay_gap", "SELECT year, position_category, scope, central_median_kzt, local_median_kzt, gap_pct "
                    "FROM core.payroll_pay_gap WHERE central_median_kzt IS NOT NULL AND local_median_kzt IS NOT NULL "
                    "ORDER BY 1, 2, 3", ["year", "position_category", "scope"]),
    ]
    for name, query, key in pairs:
        mine = con.sql(query).pl().with_columns(pl.col("year").cast(pl.Int64))
        theirs = base[name].with_columns(pl.col("year").cast(pl.Int64))  # type: ignore[attr-defined]
        if mine.height != theirs.height:
            raise SystemExit(f"{name}: {mine.height} rows derived, {theirs.height} from the plain query")
        joined = mine.join(theirs, on=key, suffix="_sql")
        for col in [c for c in mine.columns if c not in key]:
            a, b = joined[col].cast(pl.Float64), joined[col + "_sql"].cast(pl.Float64)
            rel = ((a - b).abs() / b.abs().clip(lower_bound=1e-12)).fill_null(0.0).max()
            worst = max(worst, float(rel or 0.0))
    return worst


def main(argv: list[str] | None = None) -> dict[str, float]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--employees", type=int, default=100_000)
    ap.add_argument("--years", default="2015-2024")
    ap.add_argument("--bodies", type=int, default=250)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workdir", help="keep the warehouses here for the next run (default: a temporary directory)")
    args = ap.parse_args(argv)
    tmp = None if args.workdir else tempfile.mkdtemp(prefix="pilotwatch-bench-")
    workdir = Path(args.workdir or tmp)  # type: ignore[arg-type]
    try:
        _, national = warehouses(workdir, args.employees, args.years, args.bodies)
        return measure(national, workdir, args.repeat)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


def measure(national: Path, workdir: Path, repeat: int) -> dict[str, float]:
    import duckdb

    from pilotwatch.payroll import bounded_memory, derive

    scratch = workdir / "derive_scratch.duckdb"
    shutil.copyfile(national, scratch)
    con = duckdb.connect(str(scratch))
    try:
        n = con.execute("SELECT count(*), count(DISTINCT body_code), count(DISTINCT year) FROM core.payroll_records").fetchall()[0]
        print(f"derived payroll figures: {n[0]:,} records, {n[1]} bodies x {n[2]} years (median of {repeat})", flush=True)
        times: dict[str, list[float]] = {"baseline": [], "pilotwatch": []}
        base: dict[str, object] = {}
        with bounded_memory(con):
            for _ in range(repeat):
                t0 = time.perf_counter()
                base = run_baseline(con)
                times["baseline"].append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                d = derive(con)
                times["pilotwatch"].append(time.perf_counter() - t0)
        worst = compare(con, base)
    finally:
        con.close()
        for p in workdir.glob(scratch.name + "*"):
            p.unlink()
    b, p = statistics.median(times["baseline"]), statistics.median(times["pilotwatch"])
    print(f"  plain DuckDB SQL (3 queries, results returned) {b:7.2f} s")
    print(f"  pilotwatch derive (reduce, define, write)      {p:7.2f} s   ({d.body_years} body-years, "
          f"{d.facts} facts, {d.category_rows} category rows, {d.gap_rows} gap rows)")
    print(f"  derive / plain SQL = {p / b:.2f}x; largest relative difference between the two: {worst:.1e}")
    return {"baseline": b, "pilotwatch": p, "ratio": p / b, "max_rel_diff": worst, "body_years": float(d.body_years)}


if __name__ == "__main__":
    main()

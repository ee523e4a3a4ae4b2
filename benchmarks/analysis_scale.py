"""How does the analysis scale with the number of pilot bodies? (issue 14, row "analyse")

Generates N synthetic pilot bodies x Y years (:func:`synthetic_inputs`: the real indicator registry,
three peer groups, pilot starts spread over the years, a few gaps so the ``insufficient_data`` paths
run too) and times, in this process and interleaved in one loop:

- ``analysis``: :func:`pilotwatch.analysis.compute` with the ``default`` configuration (every CER
  table, the sensitivity grid, six effect rules, verdicts, robustness, grades);
- ``baseline``: the CER table alone as one DuckDB SQL statement over the same facts (the floor the
  issue names);
- ``psa``: the probabilistic CER alone (issue 15: intervals, P(formula (2)), acceptability curve, EVPI
  and verdict probability) at ``--draws`` draws per body-year (default 10,000; goal: seconds at 250
  bodies), on the CER table and verdicts the analysis computed.

CPU time (``time.process_time``: every thread of this process) is reported, min and median of
``--repeat``, with the per-body-year cost so linearity can be read off directly. Usage::

    python -m benchmarks.analysis_scale [--bodies 25,100,250,1000] [--years 10] [--repeat 3] [--draws 10000]
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import polars as pl

from pilotwatch import analysis
from pilotwatch.analysis import uncertainty as uncertainty_glue
from pilotwatch.analysis.config import load_analysis_config

INDICATORS_CSV = Path(__file__).resolve().parent.parent / "data" / "reference" / "indicators.csv"
PEERS = ("central_avg", "local_avg", "country_avg")
FIRST_YEAR = 2014


def synthetic_inputs(n_bodies: int, n_years: int = 10, seed: int = 14) -> analysis.Inputs:
    """``n_bodies`` pilot bodies and three peer groups over ``n_years`` years, as :func:`analysis.read_inputs`
    returns them. Every 50th body has no pilot start year and every 37th lacks one year's payroll, so
    the gaps are exercised at every size; values are random walks so every effect and verdict occurs."""
    rng = random.Random(seed)
    with INDICATORS_CSV.open(encoding="utf-8") as fh:
        ind_rows = list(csv.DictReader(fh))
    indicators = pl.DataFrame(
        [{k: r[k] for k in ("indicator", "factor", "role", "direction")} for r in ind_rows]
    )
    years = list(range(FIRST_YEAR, FIRST_YEAR + n_years))
    codes = [f"b{i:05d}" for i in range(n_bodies)]
    bodies = pl.DataFrame(
        {
            "body_code": [*codes, *PEERS],
            "name_en": [f"Body {c}" for c in codes] + [p.replace("_", " ") for p in PEERS],
            "kind": ["body"] * n_bodies + ["peer_group"] * len(PEERS),
            "level": ["central" if i % 3 == 0 else "local" for i in range(n_bodies)] + [None] * len(PEERS),
            "peer_group": [PEERS[i % 2] for i in range(n_bodies)] + [None] * len(PEERS),
            "pilot": [True] * n_bodies + [False] * len(PEERS),
            "pilot_start_year": [
                None if i % 50 == 49 else years[1 + i % max(1, n_years - 2)] for i in range(n_bodies)
            ] + [None] * len(PEERS),
        },
        schema_overrides={"pilot_start_year": pl.Int32, "level": pl.String},
    )
    rows = []
    used = [r["indicator"] for r in ind_rows if r["role"] in ("effect", "mediator", "cost")]
    for j, body in enumerate([*codes, *PEERS]):
        for ind in used:
            value = rng.uniform(5, 12) if ind.startswith("payroll") else rng.uniform(40, 80)
            for y in years:
                value = max(0.5, value * rng.uniform(1.0, 1.12)) if ind.startswith("payroll") else min(
                    100.0, max(0.0, value + rng.uniform(-4, 5)))
                if ind == "payroll_fund_musd" and j % 37 == 36 and y == years[-2]:
                    continue
                rows.append((body, y, ind, round(value, 2), "published", 1))
    facts = pl.DataFrame(
        rows, schema={"body_code": pl.String, "year": pl.Int64, "indicator": pl.String, "value": pl.Float64,
                      "basis": pl.String, "load_id": pl.Int64}, orient="row",
    )
    inflation = pl.DataFrame(
        {"year": years, "pct": [round(rng.uniform(3, 12), 1) for _ in years], "load_id": [2] * n_years}
    )
    return analysis.Inputs(facts=facts, bodies=bodies, indicators=indicators, inflation=inflation)


#: The CER table of formula (2) alone, as one SQL statement: pilot and standard mode per body and year.
BASELINE_SQL = """
with w as (
    select body_code, pilot_start_year - 1 as base_year,
           (select max(year) from facts f where f.body_code = b.body_code) as end_year
    from bodies b where kind = 'body' and pilot and pilot_start_year is not null
), y as (
    select w.body_code, w.base_year, unnest(range(w.base_year, w.end_year + 1)) as year from w
), v as (
    select body_code, year, indicator, value from facts
    where indicator in ('payroll_fund_musd', 'overall_effectiveness')
), idx as (
    select y.body_code, y.year, exp(sum(ln(1 + i.pct / 100))) as inflation_index
    from y join inflation i on i.year > y.base_year and i.year <= y.year group by all
)
select y.body_code, y.year, pc.value as pilot_cost, pe.value as pilot_eff,
       pc.value / pe.value as pilot_cer, bc.value * idx.inflation_index / be.value as standard_cer
from y
left join v pc on pc.body_code = y.body_code and pc.year = y.year and pc.indicator = 'payroll_fund_musd'
left join v pe on pe.body_code = y.body_code and pe.year = y.year and pe.indicator = 'overall_effectiveness'
left join v bc on bc.body_code = y.body_code and bc.year = y.base_year and bc.indicator = 'payroll_fund_musd'
left join v be on be.body_code = y.body_code and be.year = y.base_year and be.indicator = 'overall_effectiveness'
left join idx on idx.body_code = y.body_code and idx.year = y.year
"""


def _cpu(fn: Callable[..., object], *args: object) -> float:
    t0 = time.process_time()
    fn(*args)
    return time.process_time() - t0


def measure(sizes: list[int], n_years: int, repeat: int, draws: int = 10_000) -> list[dict[str, float]]:
    cfg = load_analysis_config("default", None)
    assert cfg.uncertainty is not None, "the default configuration has an uncertainty section"
    psa_cfg = cfg.model_copy(update={"uncertainty": cfg.uncertainty.model_copy(update={"draws": draws})})
    out = []
    for n in sizes:
        inputs = synthetic_inputs(n, n_years)
        con = duckdb.connect()
        for name in ("facts", "bodies", "inflation"):
            con.register(name, getattr(inputs, name).to_arrow())
        done = analysis.compute(inputs, cfg)  # warm: polars' thread pool, caches
        times: dict[str, list[float]] = {"analysis": [], "baseline": [], "psa": []}
        for _ in range(repeat):  # interleaved, so drift hits both alike
            times["analysis"].append(_cpu(analysis.compute, inputs, cfg))
            times["baseline"].append(_cpu(lambda c: c.execute(BASELINE_SQL).fetchall(), con))
            times["psa"].append(_cpu(uncertainty_glue.compute, done.cer, done.decisions, psa_cfg))
        con.close()
        cells = n * n_years
        row = {"bodies": n, "body_years": cells}
        for k, v in times.items():
            row[f"{k}_min"], row[f"{k}_median"] = min(v), statistics.median(v)
        row["us_per_body_year"] = row["analysis_median"] / cells * 1e6
        out.append(row)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bodies", default="25,100,250,1000", help="comma-separated numbers of pilot bodies")
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--draws", type=int, default=10_000, help="draws per body-year for the psa column")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.bodies.split(",")]
    rows = measure(sizes, args.years, args.repeat, args.draws)
    print(f"analysis compute, default configuration, {args.years} years, CPU seconds (min / median of {args.repeat}):")
    print(f"  {'bodies':>6} {'analysis':>17} {'CER as SQL':>17} {'us/body-year':>13} {'ratio':>7} "
          f"{f'PSA, {args.draws:,} draws':>19}")
    for r in rows:
        print(f"  {r['bodies']:>6} {r['analysis_min']:7.3f} / {r['analysis_median']:7.3f} "
              f"{r['baseline_min']:7.3f} / {r['baseline_median']:7.3f} {r['us_per_body_year']:13.0f} "
              f"{r['analysis_median'] / max(r['baseline_median'], 1e-9):7.1f}x "
              f"{r['psa_min']:8.3f} / {r['psa_median']:7.3f}")
    at = {r["bodies"]: r for r in rows}
    if 250 in at:
        ok = at[250]["analysis_median"] <= 2.0
        print(f"  goal: <= 2 s CPU at 250 bodies: {at[250]['analysis_median']:.2f} s -> {'met' if ok else 'NOT met'}")
        print(f"  PSA at 250 bodies, {args.draws:,} draws (goal: seconds, <= 10 s): {at[250]['psa_median']:.2f} s "
              f"-> {'met' if at[250]['psa_median'] <= 10 else 'NOT met'}")
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        print(f"  linearity: cost per body-year at {last['bodies']} / at {first['bodies']} bodies = "
              f"{last['us_per_body_year'] / first['us_per_body_year']:.2f}")


if __name__ == "__main__":
    main()

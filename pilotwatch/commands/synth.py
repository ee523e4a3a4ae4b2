"""``pilotwatch synth payroll``: write synthetic payroll records (CSV or Parquet) at any scale."""

from __future__ import annotations

import argparse
import time


def register(p: argparse.ArgumentParser) -> None:
    p.description = "Write synthetic data sets for demos, tests and benchmarks."
    p.epilog = (
        "examples:\n  pilotwatch synth payroll --employees 100000 --years 2015-2024 --bodies 250 "
        "--seed 1 -o records.parquet\n  pilotwatch synth payroll --help"
    )
    kinds = p.add_subparsers(dest="kind", metavar="KIND", required=True)
    pay = kinds.add_parser(
        "payroll", help="employee-month payroll records (the payroll_records dataset)", formatter_class=p.formatter_class,
        description="One row per employee and month: N positions filled every month, so N x 12 x years rows. "
                    "The registry's pilot bodies come first, then synthetic bodies syn_c001.. (central) and "
                    "syn_l001.. (local), registered with synthetic = true when loaded. Pilot bodies' pay jumps "
                    "in their first pilot year (2018 for ACSA, Justice, Astana, Mangystau) and their turnover "
                    "falls; see pilotwatch/synth_payroll.py for the model.",
        epilog="examples:\n  pilotwatch synth payroll --employees 100000 --years 2015-2024 --bodies 250 --seed 1 "
               "-o records.parquet\n  pilotwatch synth payroll --employees 200 --years 2017-2020 --bodies 9 --seed 1 "
               "--bad-rows 8 -o small.csv\n  pilotwatch ingest payroll_records records.parquet",
    )
    pay.add_argument("--employees", type=int, required=True, help="headcount N (positions filled every month)")
    pay.add_argument("--years", required=True, help="a range such as 2015-2024, or one year")
    pay.add_argument("--bodies", type=int, required=True, help="number of bodies K (at least 1, at most N)")
    pay.add_argument("--seed", type=int, default=0, help="random seed (the same seed gives the same file)")
    pay.add_argument("--bad-rows", type=int, default=0, help="append this many faulty rows (for quarantine demos)")
    pay.add_argument("-o", "--out", default="payroll_records.parquet", help="output file (.csv or .parquet)")
    pay.add_argument("--format", choices=["csv", "parquet"], help="default: from the file name")
    pay.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pilotwatch.synth_payroll import SynthSpec, generate, parse_years

    t0 = time.perf_counter()
    spec = SynthSpec(args.employees, parse_years(args.years), args.bodies, args.seed, args.bad_rows)
    r = generate(spec, args.out, args.format)
    synthetic = sum(1 for b in r.bodies if b.code.startswith("syn_"))
    print(f"wrote {r.rows} rows ({r.employees_ever} employees over {len(spec.years)} years, "
          f"{len(r.bodies)} bodies of which {synthetic} synthetic, {r.bad_rows} bad rows) to {r.path} "
          f"in {time.perf_counter() - t0:.1f} s")
    return 0

"""``pilotwatch ingest DATASET PATH_OR_URL``: load one ad-hoc file or URL."""

from __future__ import annotations

import argparse

from pilotwatch.catalogue import DATASETS

RECORDS = "payroll_records"  # employee-month microdata: pilotwatch.payroll_records (out of core)


def register(sub: argparse._SubParsersAction, fmt: type[argparse.HelpFormatter]) -> None:
    p = sub.add_parser(
        "ingest", help="load an ad-hoc file or URL into one dataset", formatter_class=fmt,
        description="Load a long table with columns body, year, indicator, value (and optionally unit) into "
                    "DATASET. Bodies may be named by code, English, Russian or Kazakh name.\n\n"
                    "payroll_records: employee-month records (CSV, CSV.gz or Parquet, any size; columns "
                    "employee_id, body_code, position_category, month, base_salary and optionally grade, bonus, "
                    "other_pay, currency, hire_date, leave_date, status, pilot); ids are hashed with "
                    "$PILOTWATCH_ID_SALT; payroll fund, bonus share, headcount, turnover and pay gaps are derived "
                    "(docs/payroll.md).",
        epilog="examples:\n  pilotwatch ingest evaluation_center results_2021.csv --year 2021\n"
               "  pilotwatch ingest payroll https://example.org/payroll.json\n"
               "  pilotwatch ingest payroll_records records_2015_2024.parquet",
    )
    p.add_argument("dataset", choices=[*DATASETS, RECORDS])
    p.add_argument("location", metavar="PATH_OR_URL")
    p.add_argument("--year", type=int, help="only load this year")
    p.add_argument("--format", choices=["csv", "xlsx", "json", "parquet"], help="default: from the file name")
    p.add_argument("--force", action="store_true", help="reload even when unchanged")
    p.add_argument(
        "--replace", choices=["cells", "body-years"], default="cells",
        help="cells (default): a correction, only the cells the file names change; body-years: the file "
             "replaces every value of the dataset for the bodies and years it covers, and what it no longer "
             "has is removed (listed in the output and in mart.value_history)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.dataset == RECORDS:
        return _run_records(args)
    from flows.ingest import ingest

    result = ingest(
        args.dataset, args.location, year=args.year, fmt=args.format, force=args.force,
        replace=args.replace.replace("-", "_"),
    )
    print(f"{result['status']}: {result['rows_accepted']} accepted, {result['rows_rejected']} rejected "
          f"(load {result['load_id']})")
    if result.get("message"):
        print(result["message"])
    return 0 if result["status"] != "failed" else 1


def _run_records(args: argparse.Namespace) -> int:
    from pilotwatch.payroll_records import ingest_records

    r = ingest_records(args.location, year=args.year, fmt=args.format, force=args.force)
    print(f"{r.status}: {r.rows_accepted} accepted, {r.rows_rejected} rejected (load {r.load_id}); "
          f"{r.derived_facts} derived indicator values")
    if r.message:
        print(r.message)
    return 0 if r.status != "failed" else 1

"""``pilotwatch ingest DATASET PATH_OR_URL``: load one ad-hoc file or URL."""

from __future__ import annotations

import argparse

from pilotwatch.catalogue import DATASETS


def register(sub: argparse._SubParsersAction, fmt: type[argparse.HelpFormatter]) -> None:
    p = sub.add_parser(
        "ingest", help="load an ad-hoc file or URL into one dataset", formatter_class=fmt,
        description="Load a long table with columns body, year, indicator, value (and optionally unit) into "
                    "DATASET. Bodies may be named by code, English, Russian or Kazakh name.",
        epilog="examples:\n  pilotwatch ingest evaluation_center results_2021.csv --year 2021\n"
               "  pilotwatch ingest payroll https://example.org/payroll.json",
    )
    p.add_argument("dataset", choices=DATASETS)
    p.add_argument("location", metavar="PATH_OR_URL")
    p.add_argument("--year", type=int, help="only load this year")
    p.add_argument("--format", choices=["csv", "xlsx", "json", "parquet"], help="default: from the file name")
    p.add_argument("--force", action="store_true", help="reload even when unchanged")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from flows.ingest import ingest

    result = ingest(args.dataset, args.location, year=args.year, fmt=args.format, force=args.force)
    print(f"{result['status']}: {result['rows_accepted']} accepted, {result['rows_rejected']} rejected "
          f"(load {result['load_id']})")
    if result.get("message"):
        print(result["message"])
    return 0 if result["status"] != "failed" else 1

"""``pilotwatch ingest DATASET PATH_OR_URL``: load one ad-hoc file or URL."""

from __future__ import annotations

import argparse

from pilotwatch.catalogue import DATASETS

RECORDS = "payroll_records"  # employee-month microdata: pilotwatch.payroll (out of core)


def register(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Load a table into DATASET: by default a long table with columns body, year, indicator, value "
        "(and optionally unit), or their Russian/Kazakh names (Орган, Год, Показатель, Значение, "
        "Единица измерения), found below any title rows; a units row under the header and notes "
        "after the table are recognised. Bodies may be named by code, English, Russian or Kazakh name. "
        "Other layouts and every catalogue option: --layout, --sheet, --header-row, -o KEY=VALUE "
        "(the keys of docs/catalogue.md). --dry-run shows what would load and writes nothing.\n\n"
        "payroll_records: employee-month records (CSV, CSV.gz or Parquet, any size; columns "
        "employee_id, body_code, position_category, month, base_salary and optionally grade, bonus, "
        "other_pay, currency, hire_date, leave_date, status, pilot); ids are hashed with "
        "$PILOTWATCH_ID_SALT; payroll fund, bonus share, headcount, turnover and pay gaps are derived "
        "(docs/payroll.md)."
    )
    p.epilog = (
        "examples:\n  pilotwatch ingest evaluation_center results_2021.csv --year 2021\n"
        "  pilotwatch ingest payroll payroll_2021.xlsx --year 2021 --dry-run\n"
        "  pilotwatch ingest payroll fund.xlsx --layout wide_bodies --sheet Данные -o year=2021 -o columns.year=\n"
        "  pilotwatch ingest payroll https://example.org/payroll.json\n"
        "  pilotwatch ingest payroll_records records_2015_2024.parquet"
    )
    p.add_argument("dataset", choices=[*DATASETS, RECORDS])
    p.add_argument("location", metavar="PATH_OR_URL")
    p.add_argument("--year", type=int, help="only load this year")
    p.add_argument("--format", choices=["csv", "xlsx", "json", "parquet"], help="default: from the file name")
    p.add_argument("--force", action="store_true", help="reload even when unchanged")
    p.add_argument("--layout", choices=["long", "wide_bodies", "wide_indicators"],
                   help="long (default), a column per body, or a column per indicator")
    p.add_argument("--sheet", help="XLSX sheet name or 0-based index (catalogue key xlsx.sheet)")
    p.add_argument("--header-row", type=int, metavar="N",
                   help="row/line of the header (default: found below title rows)")
    p.add_argument("-o", "--option", action="append", default=[], metavar="KEY=VALUE",
                   help="any catalogue key, as in a catalogue entry (docs/catalogue.md): "
                        "-o columns.value=Факт -o csv.encoding=cp1251 -o limits.max_rows=5000")
    p.add_argument("--dry-run", action="store_true",
                   help="show what would load (header, bodies, indicators, units, refusals, replacements); "
                        "write nothing")
    p.add_argument(
        "--replace", choices=["cells", "body-years"], default="cells",
        help="cells (default): a correction, only the cells the file names change; body-years: the file "
             "replaces every value of the dataset for the bodies and years it covers, and what it no longer "
             "has is removed (listed in the output and in mart.value_history)",
    )
    p.set_defaults(func=run)


def options(args: argparse.Namespace) -> list[str]:
    """The shortcut flags as catalogue options, before ``-o`` ones (which win)."""
    opts = [f"layout={args.layout}"] if args.layout else []
    if args.sheet is not None:
        opts.append(f"xlsx.sheet={args.sheet}")
    if args.header_row is not None:
        fmt = args.format or ("xlsx" if args.location.lower().split("?")[0].endswith((".xlsx", ".xls")) else "csv")
        opts.append(f"{fmt}.header_row={args.header_row}")
    if getattr(args, "replace", "cells") != "cells":
        opts.append(f"replace={args.replace.replace('-', '_')}")
    return opts + list(args.option)


def run(args: argparse.Namespace) -> int:
    if args.dataset == RECORDS:
        return _run_records(args)
    if args.dry_run:
        return _dry_run(args)
    from flows.ingest import ingest

    result = ingest(args.dataset, args.location, year=args.year, fmt=args.format, force=args.force,
                    options=options(args))
    print(f"{result['status']}: {result['rows_accepted']} accepted, {result['rows_rejected']} rejected "
          f"(load {result['load_id']})")
    if result.get("message"):
        print(result["message"])
    return 0 if result["status"] != "failed" else 1


def _dry_run(args: argparse.Namespace) -> int:
    from pilotwatch.catalogue import Catalogue, adhoc_source
    from pilotwatch.preview import preview_source, read_connection

    source = adhoc_source(args.dataset, args.location, year=args.year, fmt=args.format, options=options(args))
    with read_connection() as con:
        p = preview_source(con, Catalogue(sources=[source], base_dir="."), source, [args.year] if args.year else [])
    print(p.text())
    return 0 if p.ok else 1


def _run_records(args: argparse.Namespace) -> int:
    from pilotwatch.payroll import ingest_records

    r = ingest_records(args.location, year=args.year, fmt=args.format, force=args.force)
    print(f"{r.status}: {r.rows_accepted} accepted, {r.rows_rejected} rejected (load {r.load_id}); "
          f"{r.derived_facts} derived indicator values")
    if r.message:
        print(r.message)
    return 0 if r.status != "failed" else 1

"""``pilotwatch refresh``: the annual refresh (what ``make run`` calls)."""

from __future__ import annotations

import argparse

from pilotwatch.catalogue import parse_year_range


def register(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Run the annual refresh flow: fetch, validate and load every source in the catalogue, "
        "then recompute the analysis; publish the warehouse once at the end."
    )
    p.epilog = (
        "examples:\n  pilotwatch refresh                 # every catalogued year (bundled thesis data)\n"
        "  pilotwatch refresh --year 2021\n  pilotwatch refresh --years 2017-2020 --force\n"
        "  pilotwatch refresh --catalogue my_sources.yaml"
    )
    p.add_argument("--year", type=int, help="load one year")
    p.add_argument("--years", help="a range such as 2017-2020")
    p.add_argument("--catalogue", help="source catalogue (default: $PILOTWATCH_CATALOGUE or data/catalogue.yaml)")
    p.add_argument("--force", action="store_true", help="reload sources even when unchanged")
    p.add_argument("--no-analysis", action="store_true", help="load only; skip the analysis recompute")
    p.add_argument("--dry-run", action="store_true",
                   help="show what each source would load, refuse and replace; write nothing (no Prefect run)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import sys

    years = parse_year_range(args.years) if args.years else None
    if args.dry_run:
        return _dry_run(args, years)
    from flows.refresh import annual_refresh
    from pilotwatch import settings
    from pilotwatch.catalogue import load_catalogue
    from pilotwatch.checks import WarehouseChecksFailed
    from pilotwatch.refresh import RefreshFailed

    load_catalogue(settings.catalogue_path(args.catalogue))  # a CatalogueError in one line, before the flow starts
    try:
        annual_refresh(year=args.year, years=years, catalogue=args.catalogue, force=args.force,
                       analysis=not args.no_analysis)
    except (RefreshFailed, WarehouseChecksFailed):  # the refresh printed its report: each reason once
        print("pilotwatch refresh: failed (see the report above; failed sources are in mart.loads)",
              file=sys.stderr)
        return 1
    return 0


def _dry_run(args: argparse.Namespace, years: list[int] | None) -> int:
    from pilotwatch import settings
    from pilotwatch.catalogue import load_catalogue
    from pilotwatch.commands.catalogue import check
    from pilotwatch.refresh import resolve_years

    cat = load_catalogue(settings.catalogue_path(args.catalogue))
    wanted = resolve_years(cat, args.year, years)
    return check(cat, [s for s in cat.sources if set(s.years) & set(wanted)], wanted)

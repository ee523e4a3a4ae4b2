"""``pilotwatch warehouse list|restore``: the published warehouse's kept versions, and going back to one.

Why a command: when the published file is damaged (a truncated copy, a bad block) every reader and
writer stops with a message naming ``pilotwatch warehouse restore``; this is that recovery.
"""

from __future__ import annotations

import argparse


def register(p: argparse.ArgumentParser) -> None:
    p.description = ("Publishing keeps the previous PILOTWATCH_GENERATIONS versions (default 3) beside the "
                     "published warehouse, each checked against the sha256 recorded when it was published.")
    p.epilog = ("examples:\n  pilotwatch warehouse list\n  pilotwatch warehouse restore            # newest good one\n"
                "  pilotwatch warehouse restore pilotwatch.duckdb.gen-20261130T120000000000Z")
    ops = p.add_subparsers(dest="op", metavar="OP", required=True)
    ops.add_parser("list", help="the published file and its generations, newest first, with their state")
    r = ops.add_parser("restore", help="publish a kept generation again (default: the newest good one)")
    r.add_argument("generation", nargs="?", help="a file name from `pilotwatch warehouse list`")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import warehouse
    from pilotwatch.commands.query import write

    if args.op == "list":
        found = warehouse.versions()
        if not found:
            print("no warehouse and no kept versions: run `pilotwatch refresh` first")
            return 1
        rows = [(v.path.name, v.size, v.published_at or "", v.purpose or "",
                 "good" if v.good else f"DAMAGED: {v.problem}") for v in found]
        write(["file", "bytes", "published_at", "purpose", "state"], rows, "table")
        return 0 if found[0].good else 1
    chosen, aside = warehouse.restore(args.generation)
    print(f"restored {warehouse.settings.db_path()} from {chosen.path.name} (published {chosen.published_at or '?'})")
    if aside:
        print(f"the damaged file was moved to {aside}; delete it when you no longer need it")
    return 0

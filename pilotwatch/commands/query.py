"""``pilotwatch query "SQL"``: read-only SQL on the published warehouse."""

from __future__ import annotations

import argparse
import csv
import json
import sys


def register(p: argparse.ArgumentParser) -> None:
    p.description = "Runs on a read-only connection to the published warehouse: never blocks a refresh."
    p.epilog = (
        "examples:\n  pilotwatch query \"select count(*) from mart.indicator_values\"\n"
        "  pilotwatch query \"select * from mart.cer\" --format csv > cer.csv"
    )
    p.add_argument("sql")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import warehouse

    con = warehouse.connect(read_only=True)
    try:
        cur = con.execute(args.sql)
        cols = [d[0] for d in cur.description or []]
        rows = cur.fetchall()
    finally:
        con.close()
    write(cols, rows, args.format)
    return 0


def write(cols: list[str], rows: list[tuple], fmt: str, out=None) -> None:  # noqa: ANN001
    """Print rows as an aligned table, CSV or JSON (one helper for every listing command).

    ``out`` defaults to the ``sys.stdout`` of the moment (not of import time: a redirected or
    captured stdout that has since been closed must not be written to)."""
    out = sys.stdout if out is None else out
    if fmt == "csv":
        w = csv.writer(out)
        w.writerow(cols)
        w.writerows(rows)
    elif fmt == "json":
        json.dump([dict(zip(cols, r, strict=True)) for r in rows], out, default=str, ensure_ascii=False, indent=1)
        out.write("\n")
    else:
        cells = [[("" if v is None else str(v)) for v in r] for r in rows]
        widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(cols)]
        out.write("  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True)).rstrip() + "\n")
        out.write("  ".join("-" * w for w in widths) + "\n")
        for r in cells:
            out.write("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() + "\n")
        out.write(f"({len(rows)} row{'s' if len(rows) != 1 else ''})\n")

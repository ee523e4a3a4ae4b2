"""``pilotwatch query "SQL"``: read-only SQL on the published warehouse, and nothing else.

Why so strict: the command runs wherever pilotwatch runs (a Prefect worker, a shared BI host), under
an account that holds secrets. Its connection is sandboxed by ``warehouse.connect`` (no files, URLs,
environment, extensions or settings reachable from SQL), and here only ``SELECT``/``EXPLAIN`` are
accepted, one statement per call unless ``--script`` says several are meant.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import IO, Any

#: Statement kinds a query may run (DESCRIBE, SHOW, SUMMARIZE, VALUES, FROM-first are SELECTs).
ALLOWED = {"SELECT", "EXPLAIN"}
#: A text cell starting with one of these is a formula to a spreadsheet (OWASP "CSV injection").
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


class QueryRefused(ValueError):
    """The SQL is not one read-only statement; the message says what is allowed."""


def register(p: argparse.ArgumentParser) -> None:
    p.description = ("Runs one SELECT (or EXPLAIN) on a sandboxed, read-only connection to the published "
                     "warehouse: it never blocks a refresh, and cannot read or write files, URLs or the "
                     "environment, attach databases, load extensions or change settings.")
    p.epilog = (
        "examples:\n  pilotwatch query \"select count(*) from mart.indicator_values\"\n"
        "  pilotwatch query \"select * from mart.cer\" --format csv > cer.csv\n"
        "  pilotwatch query \"select * from mart.cer\" --format parquet --output cer.parquet\n"
        "  pilotwatch query --script \"select count(*) from mart.bodies; select count(*) from mart.loads\""
    )
    p.add_argument("sql")
    p.add_argument("--format", choices=["table", "csv", "json", "parquet"], default="table",
                   help="csv: lists joined with '; ', structs as JSON, formula-leading text prefixed with '")
    p.add_argument("--output", type=Path, help="write here instead of standard output (required for parquet)")
    p.add_argument("--script", action="store_true",
                   help="run several ';'-separated read-only statements, printing each result")
    p.set_defaults(func=run)


def statements(con: Any, text: str, *, script: bool) -> list[str]:  # noqa: ANN401 - a DuckDB connection
    """The statements of ``text``, each checked to be read-only; one unless ``script``."""
    parsed = con.extract_statements(text)
    if not parsed:
        raise QueryRefused("no SQL statement given")
    if len(parsed) > 1 and not script:
        raise QueryRefused(
            f"one statement per call (got {len(parsed)}); pass --script to run several read-only statements"
        )
    for st in parsed:
        kind = str(st.type).rsplit(".", 1)[-1]
        if kind not in ALLOWED:
            raise QueryRefused(
                f"{kind} statements are not allowed: pilotwatch query runs SELECT and EXPLAIN only, on a "
                "read-only warehouse; it cannot write files, attach databases, change settings or load "
                "extensions"
            )
    return [st.query for st in parsed]


def run(args: argparse.Namespace) -> int:
    import duckdb

    import warehouse

    if args.format == "parquet" and not args.output:
        raise QueryRefused("--format parquet needs --output FILE")
    con = warehouse.connect(read_only=True)
    try:
        todo = statements(con, args.sql, script=args.script)
        if args.format == "parquet":
            if len(todo) > 1:
                raise QueryRefused("--format parquet writes one result: run one statement")
            con.sql(todo[0]).pl().write_parquet(args.output)
            return 0
        results = []
        for text in todo:
            cur = con.execute(text)
            results.append(([d[0] for d in cur.description or []], cur.fetchall()))
    except duckdb.PermissionException as exc:
        raise QueryRefused(
            "files, URLs, extensions and the environment are out of reach of pilotwatch query: "
            + str(exc).splitlines()[0]
        ) from None
    finally:
        con.close()
    out = open(args.output, "w", encoding="utf-8", newline="") if args.output else sys.stdout  # noqa: SIM115
    try:
        for i, (cols, rows) in enumerate(results):
            if i:
                out.write("\n")
            write(cols, rows, args.format, out)
    finally:
        if args.output:
            out.close()
    return 0


def csv_cell(value: object) -> object:
    """A cell as a spreadsheet should receive it: lists joined, structs and maps as JSON, and text that
    a spreadsheet would run as a formula prefixed with ``'``. Numbers stay numbers (``-1.5`` is not
    text and is never prefixed)."""
    if isinstance(value, list | tuple):
        if all(v is None or isinstance(v, str | int | float) for v in value):
            value = "; ".join("" if v is None else str(v) for v in value)
        else:
            value = json.dumps(value, default=str, ensure_ascii=False)
    elif isinstance(value, dict):
        value = json.dumps(value, default=str, ensure_ascii=False)
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        return "'" + value
    return value


def write(cols: list[str], rows: list[tuple], fmt: str, out: IO[str] | None = None) -> None:
    """Print rows as an aligned table, CSV or JSON (one helper for every listing command).

    ``out`` defaults to the ``sys.stdout`` of the moment (not of import time: a redirected or
    captured stdout that has since been closed must not be written to)."""
    out = sys.stdout if out is None else out
    if fmt == "csv":
        w = csv.writer(out)
        w.writerow([csv_cell(c) for c in cols])
        w.writerows([csv_cell(v) for v in r] for r in rows)
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

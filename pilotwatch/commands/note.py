"""``pilotwatch note BODY STAGE TEXT``: an analyst's conclusion for a qualitative diagnostics stage."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime

from pilotwatch.report.data import NOTE_STAGES


def register(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Stores an analyst-written conclusion in the warehouse (mart.analyst_notes). Structural "
        "harmony, country comparison and life cycle are judgements (Annex N table 3); as_is, "
        "transformation and to_be fill the transformation plan (table 4). The report shows the "
        "latest note per body, stage and year; earlier notes are kept. TEXT '-' reads stdin. "
        "--list shows a body's notes."
    )
    p.epilog = (
        "examples:\n"
        "  pilotwatch note acsa structural_harmony \"Mission and vision need to be improved.\" --year 2020\n"
        "  pilotwatch note astana to_be - < astana_to_be.txt\n"
        "  pilotwatch note Nur-Sultan as_is \"Services moved online.\"   # names and aliases work too\n"
        "  pilotwatch note acsa --list"
    )
    p.add_argument("body", metavar="BODY", help="body code, name or alias in any language (as `pilotwatch bodies resolve` reads it)")
    p.add_argument("stage", nargs="?", choices=NOTE_STAGES, metavar="STAGE", help=" | ".join(NOTE_STAGES))
    p.add_argument("text", nargs="?", metavar="TEXT", help="the note ('-': read from stdin)")
    p.add_argument("--year", type=int, help="the year (diagnostics round) the note is about")
    p.add_argument("--author", default=None, help="default: your login name")
    p.add_argument("--list", action="store_true", help="list the body's notes instead of adding one")
    p.set_defaults(func=run)


def _body_code(name: str) -> str:
    """The body code for a code, name or alias; unknown names fail with the nearest candidates."""
    import warehouse
    from pilotwatch.registry import resolve_body

    con = warehouse.connect(read_only=True)
    try:
        code, hint = resolve_body(con, name)
    finally:
        con.close()
    if not code:
        raise LookupError(f"unknown body {name!r}{hint} (see mart.bodies)")
    return code


def run(args: argparse.Namespace) -> int:
    import warehouse
    from pilotwatch.commands.query import write

    args.body = _body_code(args.body)
    if args.list:
        con = warehouse.connect(read_only=True)
        try:
            cur = con.execute(warehouse.sql("notes_list"), [args.body])
            write([d[0] for d in cur.description], cur.fetchall(), "table")
        finally:
            con.close()
        return 0
    if not args.stage or args.text is None:
        print("pilotwatch note: give STAGE and TEXT (or --list)", file=sys.stderr)
        return 2
    text = sys.stdin.read() if args.text == "-" else args.text
    if not text.strip():
        print("pilotwatch note: the note is empty", file=sys.stderr)
        return 2
    with warehouse.writer(f"note {args.body} {args.stage}") as con:
        if not warehouse.one(con, "SELECT 1 FROM core.bodies WHERE body_code = ?", [args.body]):
            raise LookupError(f"unknown body {args.body!r} (see mart.bodies)")
        row = warehouse.one(con, warehouse.sql("notes_insert"),
            [args.body, args.stage, args.year, text.strip(), args.author or getpass.getuser(),
             datetime.now(UTC).replace(tzinfo=None)])
    print(f"note {row[0] if row else '?'} saved for {args.body} / {args.stage}; it appears in `pilotwatch report {args.body}`")
    return 0

"""``pilotwatch bodies alias add NAME CODE`` / ``alias list`` / ``resolve NAME``: body spellings, locally.

Why a command and not a CSV edit: an agency writes "акимат города Нур-Султан" and the load refuses
it with the nearest registry names; accepting the spelling must not need a change to the repository
(``data/reference/body_aliases.csv``), and who accepted it, and when, must be on record. The alias is
kept in the warehouse (``mart.local_body_aliases``) and used by every later load.
"""

from __future__ import annotations

import argparse
import getpass


def register(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Bodies resolve by their registry names and aliases (data/reference/body_aliases.csv) as "
        "people write them: abbreviations (г., обл., РК), case endings, word order, with or without "
        "the country's name. A spelling that still does not resolve can be accepted here, in the "
        "warehouse, with who added it and when. A spelling that already names another body is "
        "refused (a false friend is never re-pointed)."
    )
    p.epilog = (
        "examples:\n"
        "  pilotwatch bodies alias add \"акимат города Нур-Султан\" astana\n"
        "  pilotwatch bodies alias list\n"
        "  pilotwatch bodies resolve \"Nur-Sultan city akimat\" --year 2021"
    )
    bsub = p.add_subparsers(dest="bodies_command", metavar="ACTION", required=True)
    alias = bsub.add_parser("alias", help="local aliases", formatter_class=p.formatter_class)
    asub = alias.add_subparsers(dest="alias_command", metavar="ACTION", required=True)
    add = asub.add_parser("add", help="accept NAME as a spelling of body CODE", formatter_class=p.formatter_class)
    add.add_argument("name", metavar="NAME")
    add.add_argument("code", metavar="CODE", help="body code (see mart.bodies)")
    add.add_argument("--by", default=None, help="who adds it (default: your login name)")
    add.add_argument("--note", default=None, help="why (kept with the alias)")
    add.set_defaults(func=run_add)
    lst = asub.add_parser("list", help="the local aliases", formatter_class=p.formatter_class)
    lst.add_argument("--format", choices=["table", "csv", "json"], default="table")
    lst.set_defaults(func=run_list)
    res = bsub.add_parser("resolve", help="which body a name resolves to (or the nearest candidates)",
                          formatter_class=p.formatter_class)
    res.add_argument("name", metavar="NAME")
    res.add_argument("--year", type=int, default=None)
    res.set_defaults(func=run_resolve)


def run_add(args: argparse.Namespace) -> int:
    import warehouse
    from pilotwatch.registry import add_alias

    with warehouse.writer(f"bodies alias add {args.code}") as con:
        message = add_alias(con, args.name, args.code, by=args.by or getpass.getuser(), note=args.note)
    print(message)
    return 0


def run_list(args: argparse.Namespace) -> int:
    import warehouse
    from pilotwatch.commands.query import write
    from pilotwatch.registry import list_aliases

    con = warehouse.connect(read_only=True)
    try:
        table = list_aliases(con)
    finally:
        con.close()
    write(table.columns, table.rows(), args.format)
    return 0


def run_resolve(args: argparse.Namespace) -> int:
    import warehouse
    from pilotwatch.registry import resolve_body

    con = warehouse.connect(read_only=True)
    try:
        code, hint = resolve_body(con, args.name, args.year)
    finally:
        con.close()
    if code:
        print(code)
        return 0
    print(f"unknown body {args.name!r}{hint}")
    return 1

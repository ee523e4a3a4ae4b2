"""``pilotwatch quarantine list`` / ``release HOLD_ID``: values held as suspected unit or scale errors.

A value far outside its body's own history is held, not loaded (and so not alerted on as a decline);
the analyst who checks it against the source either leaves it held or releases it, which loads it.
"""

from __future__ import annotations

import argparse
import getpass


def register(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Refused rows are in mart.quarantine. Values held by the plausibility check (far outside the "
        "body's history, data/reference/plausibility.csv) are in mart.held_values too, and `release` "
        "loads one into the facts under the load that held it, recording who released it."
    )
    p.epilog = "examples:\n  pilotwatch quarantine list\n  pilotwatch quarantine release 3"
    qsub = p.add_subparsers(dest="quarantine_command", metavar="ACTION", required=True)
    lst = qsub.add_parser("list", help="held values", formatter_class=p.formatter_class)
    lst.add_argument("--all", action="store_true", help="include released ones")
    lst.add_argument("--format", choices=["table", "csv", "json"], default="table")
    lst.set_defaults(func=run_list)
    rel = qsub.add_parser("release", help="load a held value", formatter_class=p.formatter_class)
    rel.add_argument("hold_id", type=int, metavar="HOLD_ID")
    rel.add_argument("--by", default=None, help="who releases it (default: your login name)")
    rel.set_defaults(func=run_release)


def run_list(args: argparse.Namespace) -> int:
    import warehouse
    from pilotwatch.commands.query import write

    con = warehouse.connect(read_only=True)
    try:
        table = warehouse.frame(con, warehouse.sql("held_values_list"), [args.all])
    finally:
        con.close()
    write(table.columns, table.rows(), args.format)
    return 0


def run_release(args: argparse.Namespace) -> int:
    import warehouse
    from pilotwatch.plausibility import release

    with warehouse.writer(f"quarantine release {args.hold_id}") as con:
        row = release(con, args.hold_id, args.by or getpass.getuser())
    print(f"released hold {args.hold_id}: {row['body_code']} {row['year']} {row['indicator']} = {row['value']:g} "
          f"{row['unit']} is now in mart.indicator_values (load {row['load_id']})")
    return 0

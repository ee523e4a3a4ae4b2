"""``pilotwatch`` command line. Each subcommand lives in ``pilotwatch/commands/<name>.py`` and
registers itself through ``register(subparsers)``; add a module to ``COMMANDS`` to add a command."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

COMMANDS = [
    "pilotwatch.commands.refresh",
    "pilotwatch.commands.ingest",
    "pilotwatch.commands.catalogue",
    "pilotwatch.commands.synth",
    "pilotwatch.commands.query",
    "pilotwatch.commands.analyse",
    "pilotwatch.commands.reproduce",
    "pilotwatch.commands.docs",
    "pilotwatch.commands.report",
    "pilotwatch.commands.note",
    "pilotwatch.commands.dictionary",
    "pilotwatch.commands.status",
    "pilotwatch.commands.survey",
    "pilotwatch.commands.alerts",
    "pilotwatch.commands.bodies",
    "pilotwatch.commands.quarantine",
]


class _Formatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    pass


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pilotwatch",
        description="Monitor Kazakhstan's pay-by-results pilot: load yearly indicators, analyse, alert.",
        formatter_class=_Formatter,
        epilog="Warehouse: $PILOTWATCH_DB (default warehouse/pilotwatch.duckdb). See README.md.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(name).register(sub, _Formatter)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("pilotwatch").setLevel(logging.DEBUG if args.verbose else logging.INFO)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # one clear line for operators; -v shows the traceback
        if args.verbose:
            raise
        print(f"pilotwatch {args.command}: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

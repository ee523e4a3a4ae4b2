"""``pilotwatch`` command line: a table of commands, each module imported only when it runs.

``COMMANDS`` maps a command's name to its module and its one-line help. ``pilotwatch --help`` lists
the table and imports no command module; ``pilotwatch query …`` imports ``pilotwatch.commands.query``
alone, whose ``register(parser)`` only adds arguments (heavy imports live in its handler). Building
every command's parser at start-up cost 0.4 s of imports (pydantic catalogue models, polars, jinja2)
that ``pilotwatch query "select 1"`` never used. To add a command: a module in
``pilotwatch/commands/`` with ``register(parser)`` and a handler set by ``parser.set_defaults(func=…)``,
and a row here.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

COMMANDS: dict[str, tuple[str, str]] = {
    "refresh": ("pilotwatch.commands.refresh", "load the catalogued sources and recompute the analysis"),
    "ingest": ("pilotwatch.commands.ingest", "load an ad-hoc file or URL into one dataset"),
    "catalogue": ("pilotwatch.commands.catalogue", "the catalogue's reference, and a dry run of one entry"),
    "synth": ("pilotwatch.commands.synth", "write synthetic data sets"),
    "query": ("pilotwatch.commands.query", "run read-only SQL on the published warehouse"),
    "analyse": ("pilotwatch.commands.analyse", "recompute CER, factor effects, verdicts and grades"),
    "reproduce": ("pilotwatch.commands.reproduce", "compare thesis Tables 19-21 with what pilotwatch computes"),
    "docs": ("pilotwatch.commands.docs", "run the warehouse checks and build the Data Docs (great-expectations)"),
    "report": ("pilotwatch.commands.report", "write per-body diagnostics reports and the national summary"),
    "note": ("pilotwatch.commands.note", "add an analyst note for a diagnostics stage (shown in the report)"),
    "dictionary": ("pilotwatch.commands.dictionary", "every mart view and column with its meaning, unit and source"),
    "status": ("pilotwatch.commands.status",
               "last loads, freshness, quarantine, last analysis run, open and undelivered alerts"),
    "survey": ("pilotwatch.commands.survey",
               "analyse a survey export: alpha, fit, estimates, H1-H5 verdicts, distributions"),
    "alerts": ("pilotwatch.commands.alerts", "list monitoring alerts; run the monitor; test a channel"),
    "bodies": ("pilotwatch.commands.bodies", "body spellings: add a local alias, list them, try a name"),
    "quarantine": ("pilotwatch.commands.quarantine", "held values (suspected unit or scale errors): list, release"),
    "warehouse": ("pilotwatch.commands.warehouse", "list the kept warehouse versions, restore one"),
}
#: Options of ``pilotwatch`` itself that may stand before the command's name.
_GLOBAL_FLAGS = {"-v", "--verbose"}


class _Formatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    pass


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser with every command's arguments, or (``only``) with just that command's.

    Commands other than ``only`` are listed with their help line but no arguments, so their modules
    are not imported; ``only=""`` lists every command and imports none (``pilotwatch --help``)."""
    parser = argparse.ArgumentParser(
        prog="pilotwatch",
        description="Monitor Kazakhstan's pay-by-results pilot: load yearly indicators, analyse, alert.",
        formatter_class=_Formatter,
        epilog="Warehouse: $PILOTWATCH_DB (default $PILOTWATCH_HOME/pilotwatch.duckdb, var/ in the checkout). See README.md.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module, help_) in COMMANDS.items():
        p = sub.add_parser(name, help=help_, formatter_class=_Formatter)
        if only is None or only == name:
            importlib.import_module(module).register(p)
    return parser


def command_of(argv: list[str]) -> str:
    """The command named on a command line ("" when there is none, e.g. ``pilotwatch --help``)."""
    for arg in argv:
        if arg not in _GLOBAL_FLAGS:
            return "" if arg.startswith("-") else arg
    return ""


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(only=command_of(argv))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("pilotwatch").setLevel(logging.DEBUG if args.verbose else logging.INFO)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `pilotwatch … | head` closed its end: stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 141
    except Exception as exc:  # one clear line for operators; -v shows the traceback
        if args.verbose:
            raise
        print(f"pilotwatch {args.command}: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

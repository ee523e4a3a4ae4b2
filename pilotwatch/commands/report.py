"""``pilotwatch report [BODY|--all] [--format html|md]``: organizational-diagnostics reports (Annex N)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Writes an organizational-diagnostics report following the thesis' Annex N tables 1-4: "
        "indicators against the peer group, pilot vs standard CER, effects by factor, the total "
        "result and its robustness across rules, survey summaries, and the analysts' stage notes "
        "(`pilotwatch note`). HTML reports are single self-contained files (inline SVG charts, no "
        "network); --all also writes index.<format>, the national summary. Reads the published "
        "warehouse read-only."
    )
    p.epilog = (
        "examples:\n  pilotwatch report acsa                 # var/reports/acsa.html\n"
        "  pilotwatch report --all                # every pilot body + index.html\n"
        "  pilotwatch report astana --format md --out /tmp/reports\n"
        "  pilotwatch report --all --config thesis"
    )
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("body", nargs="?", metavar="BODY", help="body code (see `pilotwatch query \"select * from mart.bodies\"`)")
    who.add_argument("--all", action="store_true", help="every pilot body with data, and the national summary")
    p.add_argument("--format", choices=["html", "md"], default="html")
    p.add_argument("--out", help="output directory (default: $PILOTWATCH_REPORTS_DIR or reports/ beside the warehouse)")
    p.add_argument("--config", default="default", help="analysis configuration to report (mart views' config column)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import warehouse
    from pilotwatch import report, settings

    out = Path(args.out).expanduser().resolve() if args.out else settings.reports_dir()
    con = warehouse.connect(read_only=True)
    try:
        if args.all:
            bodies = report.report_bodies(con)
            with _progress(len(bodies)) as step:
                paths = report.write_all(con, out, args.format, args.config, progress=step)
            print(f"national summary: {paths[0]}")
            for p in paths[1:]:
                print(f"  {p}")
        else:
            print(report.write_body(con, args.body, out, args.format, args.config))
    finally:
        con.close()
    return 0


class _progress:
    """A progress bar on a terminal (quiet in logs and pipes)."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.bar = None

    def __enter__(self):  # noqa: ANN204
        if sys.stderr.isatty() and self.total > 1:
            from rich.progress import Progress

            self.bar = Progress(transient=True)
            self.bar.start()
            self.task = self.bar.add_task("writing reports", total=self.total)
        return self.step

    def step(self, label: str) -> None:
        if self.bar:
            self.bar.update(self.task, advance=1, description=f"report {label}")

    def __exit__(self, *exc: object) -> None:
        if self.bar:
            self.bar.stop()

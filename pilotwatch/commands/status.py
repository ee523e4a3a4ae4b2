"""``pilotwatch status``: what the warehouse holds and what needs attention, at a glance."""

from __future__ import annotations

import argparse
import re
import sys
from datetime import UTC, datetime
from typing import Any


def register(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Reads the published warehouse (read-only, never blocks a refresh) and prints: the last load "
        "per dataset and year, how fresh each dataset is, rows in quarantine, the last analysis run "
        "per configuration, the last survey and monitoring runs, open alerts (still firing, not "
        "acknowledged) and alerts not yet delivered. Sections whose views are not in this warehouse say "
        "so. Exit status 1 when something needs attention (a failed last load, stale data, a partial "
        "year, an open or undelivered alert, an outdated analysis); 'Nothing needs attention.' only "
        "when nothing does."
    )
    p.epilog = "examples:\n  pilotwatch status\n  PILOTWATCH_DB=/srv/pilotwatch.duckdb pilotwatch status"
    p.set_defaults(func=run)


def _rows(con, query: str, params: list[object] | None = None) -> tuple[list[str], list[tuple]]:  # noqa: ANN001
    cur = con.execute(query, params or [])
    return [d[0] for d in cur.description or []], cur.fetchall()


def _age_days(ts: Any) -> float | None:
    if ts is None:
        return None
    return (datetime.now(UTC).replace(tzinfo=None) - ts).total_seconds() / 86400


#: The checks' file and the one line form of its freshness check that :func:`fresh_days` reads without
#: a YAML parser: ``- {sql: ..., expect: fresh, column: ..., max_age_days: N}`` (the file's own style).
CHECKS_FILE = ("expectations", "warehouse.yaml")
_FRESH_LINE = re.compile(r"^\s*-\s*\{(?=.*\bexpect:\s*fresh\s*[,}]).*\bmax_age_days:\s*([0-9]+(?:\.[0-9]+)?)\s*[,}]")
DEFAULT_FRESH_DAYS = 400.0


def fresh_days(text: str | None = None) -> float:
    """The freshness limit is the warehouse checks' one (data/expectations/warehouse.yaml), not a second copy.

    Read without importing a YAML parser when the check is written on one line, as the file writes
    every check: importing and running yaml was a tenth of ``pilotwatch status``'s time (importing
    ``pilotwatch.checks``, pydantic models of the whole spec, had doubled it). Any other form (a block
    mapping, a quoted value, two fresh checks) is parsed with yaml, so an edit to the file's
    style costs speed, never the right number; tests/ops/test_ops_status.py holds both readers equal."""
    if text is None:
        from pilotwatch import DATA_DIR

        text = DATA_DIR.joinpath(*CHECKS_FILE).read_text(encoding="utf-8")
    lines = [line.split("#", 1)[0] for line in text.splitlines()]  # comments mention "fresh" too
    found = [m.group(1) for line in lines if (m := _FRESH_LINE.match(line))]
    if len(found) == 1 and sum(bool(re.search(r"\bfresh\b", line)) for line in lines) == 1:
        return float(found[0])
    return _fresh_days_yaml(text)


def _fresh_days_yaml(text: str) -> float:
    """The limit from the parsed file (every form YAML allows)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: a tenth of the pure-Python parser's time
    spec = yaml.load(text, Loader=loader) or {}
    return next((float(c["max_age_days"]) for c in spec.get("checks", [])
                 if c.get("expect") == "fresh" and c.get("max_age_days")), DEFAULT_FRESH_DAYS)


def _open_alerts(con, out, present: set[str]) -> list[str]:  # noqa: ANN001
    """Alerts still firing and not acknowledged: delivered is not the same as dealt with.

    A delivered alert used to leave status saying "Nothing needs attention" while 24 stale-data alerts
    were open; an alert stops needing attention when its condition clears or someone acknowledges it.
    """
    import warehouse
    from pilotwatch.commands.query import write

    if "core.alert_state" not in present:
        return []
    cols, rows = _rows(con, warehouse.sql("status_open_alerts"))
    if rows and "mart.alert_acks" in present:
        acked = {r[0] for r in con.execute("SELECT alert_id FROM mart.alert_acks").fetchall()}
        rows = [r for r in rows if r[0] not in acked]
    if not rows:
        out.write("  no open alerts\n")
        return []
    out.write(f"  {len(rows)} open alert(s) (still firing, not acknowledged: `pilotwatch alerts`)\n")
    shown = rows[:20]
    write(cols, shown, "table", out)
    if len(rows) > len(shown):
        out.write(f"  ... and {len(rows) - len(shown)} more\n")
    by_rule: dict[str, int] = {}
    for r in rows:
        by_rule[r[1]] = by_rule.get(r[1], 0) + 1
    return [f"{n} open {rule} alert(s) (`pilotwatch alerts`)" for rule, n in sorted(by_rule.items())]


def run(args: argparse.Namespace) -> int:
    import warehouse
    from pilotwatch import settings
    from pilotwatch.commands.query import write

    out = sys.stdout
    attention: list[str] = []
    db = settings.db_path()
    con = warehouse.connect(read_only=True)
    try:
        present = warehouse.relations(con)  # one catalog query for every "is this view here?" below
        published = datetime.fromtimestamp(db.stat().st_mtime, UTC).strftime("%Y-%m-%d %H:%M UTC")
        out.write(f"warehouse {db} ({db.stat().st_size / 1e6:.1f} MB, published {published})\n")
        work = sorted(db.parent.glob(db.name + ".work-*"))
        if work:
            out.write(f"  a writer is running now: {warehouse.describe_lock_holder(db)}\n")

        out.write("\nLast loads per dataset and year\n")
        cols, rows = _rows(con, warehouse.sql("status_loads"))
        if rows:
            write(cols, rows, "table", out)
            attention += [f"last load of {r[0]} {r[1]} failed" for r in rows if r[2] == "failed"]
        else:
            out.write("  nothing loaded yet: run `pilotwatch refresh`\n")

        if "mart.pending_inputs" in present:
            cols, rows = _rows(con, warehouse.sql("status_pending_inputs"))
            if rows:
                out.write("\nPartial years (published as they are; the analysis leaves these body-years out until "
                          "they are complete: mart.pending_inputs)\n")
                write(cols, rows, "table", out)
                attention += [f"{y} waits for {d} ({b})" for y, d, b, _ in rows]

        limit = fresh_days()
        out.write(f"\nFreshness (a dataset is stale when not loaded or confirmed unchanged for {limit:.0f} days)\n")
        cols, rows = _rows(con, warehouse.sql("status_freshness"))
        for dataset, last in rows:
            age = _age_days(last)
            stale = age is not None and age > limit
            out.write(f"  {dataset:<28} last success {last:%Y-%m-%d %H:%M}  ({age:.0f} days ago){'  STALE' if stale else ''}\n")
            if stale:
                attention.append(f"{dataset} is stale")

        (n_q,) = warehouse.one(con, "SELECT count(*) FROM mart.quarantine") or (0,)
        out.write(f"\nQuarantine: {n_q} row(s)")
        if n_q:
            out.write(" — `pilotwatch query \"select dataset, reason, count(*) from mart.quarantine group by all\"`\n")
            cols, rows = _rows(con, warehouse.sql("status_quarantine"))
            write(cols, rows, "table", out)
        else:
            out.write("\n")

        out.write("\nLast analysis run\n")
        if "mart.analysis_runs" in present:
            cols, rows = _rows(con, warehouse.sql("status_analysis_runs"))
            if rows:
                write(cols, rows, "table", out)
                attention += [f"analysis {r[0]} is older than the loaded data (`pilotwatch analyse --config {r[0]}`)"
                              for r in rows if r[3] is False]
            else:
                out.write("  no analysis yet: run `pilotwatch refresh` (or `pilotwatch analyse`)\n")
            (n_failed,) = warehouse.one(con, warehouse.sql("status_failed_analyses"))
            if n_failed:
                attention.append(f"{n_failed} analysis run(s) failed since the last good one (mart.analysis_runs)")
        else:
            out.write("  no analysis yet (this warehouse has no mart.analysis_runs)\n")

        if "mart.survey_runs" in present:
            out.write("\nLast survey runs\n")
            cols, rows = _rows(con, warehouse.sql("status_survey_runs"))
            if rows:
                write(cols, rows, "table", out)
            else:
                out.write("  none yet (`pilotwatch survey`)\n")

        out.write("\nAlerts\n")
        if "mart.alert_deliveries" in present:
            cols, rows = _rows(con, warehouse.sql("status_undelivered_alerts"))
            if rows:
                write(cols, rows, "table", out)
                attention.append(f"{sum(r[2] for r in rows)} alert(s) not delivered (mart.alert_deliveries)")
            else:
                out.write("  every alert delivered\n")
            attention += _open_alerts(con, out, present)
            if "mart.monitor_runs" in present:
                last = warehouse.one(con, "SELECT max(finished_at) FROM mart.monitor_runs")
                out.write(f"  last monitoring run: {last[0] if last and last[0] else 'never'}\n")
        else:
            out.write("  monitoring not set up in this warehouse (no mart.alert_deliveries)\n")

        out.write(f"\nData Docs: {settings.docs_dir() / 'index.html'}"
                  f"{'' if (settings.docs_dir() / 'index.html').exists() else ' (not built yet: `pilotwatch docs`)'}\n")
    finally:
        con.close()
    if attention:
        out.write("\nNeeds attention:\n" + "".join(f"  - {a}\n" for a in attention))
        return 1
    out.write("\nNothing needs attention.\n")
    return 0

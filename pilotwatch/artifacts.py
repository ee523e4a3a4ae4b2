"""What a run shows in the Prefect UI: its loads, quarantine, alerts and verdicts, as artifacts.

Why: a scheduled refresh is looked at in the Prefect UI, not in the terminal that printed its
summary. Each flow publishes the artifacts built here (``flows/artifacts.py`` does the Prefect
call), so a run explains itself: what loaded and what was refused, why rows were refused, which
alerts fired, which verdicts changed since the previous analysis. Content comes from the warehouse
session the run wrote (read before it is published), by the run's own id.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from warehouse import sql


@dataclass(frozen=True)
class Artifact:
    """One Prefect artifact: a table (``rows``) or Markdown (``markdown``), under a stable ``key``.

    A stable key makes the UI keep each run's version of "refresh-loads" side by side.
    """

    key: str
    description: str
    rows: list[dict[str, object]] = field(default_factory=list)
    markdown: str | None = None


def _records(con: duckdb.DuckDBPyConnection, query: str, params: list[object]) -> list[dict[str, object]]:
    cur = con.execute(query, params)
    cols = [d[0] for d in cur.description or []]
    return [{c: _plain(v) for c, v in zip(cols, row, strict=True)} for row in cur.fetchall()]


def _plain(v: object) -> object:
    """Artifacts are JSON: dates and other objects as text, numbers and text as they are."""
    return v if v is None or isinstance(v, (int, float, str, bool)) else str(v)


def _md_cell(v: object) -> str:
    return str("" if v is None else v).replace("|", "\\|").replace("\n", " ")


def loads(con: duckdb.DuckDBPyConnection, run_id: str, prefix: str) -> list[Artifact]:
    """The run's loads (accepted/refused per source) and, when rows were refused, the top reasons."""
    rows = _records(con, sql("artifact_loads"), [run_id])
    accepted = sum(int(r["accepted"] or 0) for r in rows)
    refused = sum(int(r["refused"] or 0) for r in rows)
    failed = [str(r["source"]) for r in rows if r["status"] == "failed"]
    out = [Artifact(f"{prefix}-loads",
                    f"{len(rows)} load(s): {accepted} value(s) accepted, {refused} refused"
                    + (f"; failed: {', '.join(failed)}" if failed else ""), rows=rows)]
    reasons = _records(con, sql("artifact_quarantine"), [run_id])
    if reasons:
        head = "| source | column | reason | rows | first row |\n|---|---|---|---|---|\n"
        body = "".join(f"| {_md_cell(r['source'])} | {_md_cell(r['column'])} | {_md_cell(r['reason'])} | {r['rows']} "
                       f"| {r['first_row']} |\n" for r in reasons)
        md = (f"### Quarantine: {refused} row(s) refused by this run\n\n{head}{body}\nEvery refused row, with its raw "
              f"values: `pilotwatch query \"select * from mart.quarantine where load_id in (select load_id from "
              f"mart.loads where run_id = '{run_id}')\"`\n")
    else:
        md = "### Quarantine: nothing refused by this run\n"
    out.append(Artifact(f"{prefix}-quarantine", f"{refused} row(s) refused", markdown=md))
    return out


def alerts(con: duckdb.DuckDBPyConnection, run_id: str) -> list[Artifact]:
    """The alerts one monitor run raised (none is a result too: the run looked and found nothing)."""
    rows = _records(con, sql("artifact_alerts"), [run_id])
    return [Artifact("monitor-alerts", f"{len(rows)} alert(s) raised", rows=rows)]


def verdicts(con: duckdb.DuckDBPyConnection, run_id: str) -> list[Artifact]:
    """The analysis run's verdicts under the default rule and what changed since the previous run."""
    rows = _records(con, sql("artifact_verdicts"), [run_id])
    changed = [r for r in rows if r["change"] == "changed"]
    text = (f"{len(changed)} verdict(s) changed since the previous analysis"
            if rows and rows[0]["change"] != "first run" else "first analysis run of this configuration")
    return [Artifact("analysis-verdicts", f"{len(rows)} pilot bodies; {text}", rows=rows)]

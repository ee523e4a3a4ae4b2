"""Each run explains itself in the Prefect UI: artifacts read back through the Prefect API after real runs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    ArtifactFilterKey,
    FlowRunFilter,
    FlowRunFilterParentFlowRunId,
)
from prefect.client.schemas.sorting import ArtifactSort
from warehouse_reads import rows as _query


def _artifacts(key: str, flow_run_id: object | None = None, parent_run_id: object | None = None) -> list:
    """Artifacts by key, newest first: of one flow run, of the subflows of one run, or of every run (the
    session's Prefect server is shared by the xdist workers: "the newest" alone may be another test's)."""
    flt = ArtifactFilter(key=ArtifactFilterKey(any_=[key]),
                         flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]) if flow_run_id else None)
    runs = FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[parent_run_id])) if parent_run_id else None
    with get_client(sync_client=True) as client:
        return client.read_artifacts(artifact_filter=flt, flow_run_filter=runs, sort=ArtifactSort.CREATED_DESC)


def _table(artifact: object) -> list[dict[str, object]]:
    data = artifact.data
    return json.loads(data) if isinstance(data, str) else data


def test_the_annual_refresh_publishes_its_loads_alerts_and_verdicts(bundled_warehouse: Path) -> None:
    loads = _query(bundled_warehouse, "select source_id, status, rows_accepted, rows_rejected from mart.loads "
                                      "where run_id is not null order by load_id")
    published = [[(r["source"], r["status"], r["accepted"], r["refused"]) for r in _table(a)]
                 for a in _artifacts("refresh-loads")]
    assert [tuple(x) for x in loads] in published
    assert _artifacts("refresh-quarantine"), "the quarantine is published even when empty"

    alert_ids = sorted(r[0] for r in _query(bundled_warehouse, "select alert_id from mart.alerts"))
    assert alert_ids, "the bundled refresh raises alerts"
    published_ids = [sorted(r["alert_id"] for r in _table(a)) for a in _artifacts("monitor-alerts")]
    assert alert_ids in published_ids
    names = {r["body"] for a in _artifacts("monitor-alerts") for r in _table(a)}
    assert "Akimat of Astana" in names or any("Astana" in str(n) for n in names)

    verdicts = {(r[0], r[1]) for r in _query(bundled_warehouse, "select distinct body_name, coalesce(verdict, 'insufficient data') from mart.verdicts "
                                                                "where config = 'default' and is_default_rule")}
    published_v = [{(r["body"], r["verdict"]) for r in _table(a)} for a in _artifacts("analysis-verdicts")]
    assert verdicts in published_v


def test_an_ingest_with_a_refused_row_publishes_loads_and_quarantine(bundled_warehouse: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "wh" / "pilotwatch.duckdb"
    db.parent.mkdir()
    shutil.copyfile(bundled_warehouse, db)
    monkeypatch.setenv("PILOTWATCH_DB", str(db))
    src = tmp_path / "ec_2021.csv"
    src.write_text("body,year,indicator,value\n"
                   "acsa,2021,overall_effectiveness,80.5\n"
                   "acsa,2021,goal_achievement,70.1\n"
                   "acsa,2021,organizational_development,75\n"
                   "astana,2021,overall_effectiveness,60\n"
                   "astana,2021,goal_achievement,not a number\n"
                   "mangystau,2021,overall_effectiveness,55\n", encoding="utf-8")
    from flows.ingest import ingest

    state = ingest("evaluation_center", str(src), year=2021, return_state=True)
    result = state.result()
    run = state.state_details.flow_run_id
    [loads] = _artifacts("ingest-loads", run)
    [row] = _table(loads)
    assert (row["source"], row["status"], row["accepted"], row["refused"]) == (
        result["source_id"], "loaded", result["rows_accepted"], result["rows_rejected"])
    assert row["refused"] == 1 and "1 refused" in loads.description
    [quarantine] = _artifacts("ingest-quarantine", run)
    assert "not a number" in quarantine.data or "value" in quarantine.data
    assert "| 6 |" in quarantine.data or "| 5 |" in quarantine.data  # the row as found in the file
    # the analysis the ingest triggered compares its verdicts with the previous (bundled) run
    latest = _artifacts("analysis-verdicts", parent_run_id=run)[0]
    assert {r["change"] for r in _table(latest)} <= {"changed", "unchanged"}

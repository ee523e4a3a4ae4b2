"""A refresh with nothing new (issue 14): every unchanged source is recorded in one step, before any
load; the analysis is recomputed only when something it reads changed; the monitor still runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from warehouse_reads import rows

import warehouse
from pilotwatch import PROJECT_ROOT
from pilotwatch.catalogue import load_catalogue
from pilotwatch.refresh import analysis_current, triage

EC = "body,year,indicator,value\nacsa,2021,overall_effectiveness,80\nacsa,2021,goal_achievement,70\n"


def _catalogue(tmp_path: Path) -> Path:
    (tmp_path / "ec.csv").write_text(EC)
    p = tmp_path / "catalogue.yaml"
    p.write_text("version: 1\nsources:\n- {id: ec_2021, dataset: evaluation_center, years: [2021], kind: file, "
                 "path: ec.csv, format: csv, layout: long, columns: {body: body, year: year, indicator: indicator, "
                 "value: value}, units: {assume_declared: true}}\n")
    return p


def test_triage_records_unchanged_sources_and_hands_the_others_over_with_their_bytes(
    seeded_db: Path, tmp_path: Path
) -> None:
    from pilotwatch.ingest import load_source

    cat = load_catalogue(_catalogue(tmp_path))
    [source] = cat.sources
    with warehouse.writer() as con:
        first = triage(con, cat, cat.sources, [2021], "run-1")
        assert first.unchanged == []
        [(changed, got)] = first.changed
        assert changed.id == "ec_2021" and got is not None and got.content == EC.encode()
        assert load_source(con, cat, source, [2021], run_id="run-1", fetched=got).status == "loaded"

        again = triage(con, cat, cat.sources, [2021], "run-2")
        assert [(r.source_id, r.status) for r in again.unchanged] == [("ec_2021", "unchanged")]
        assert again.changed == []
        assert triage(con, cat, cat.sources, [2021], "run-3", force=True).changed == [(source, None)]

        (tmp_path / "ec.csv").write_text(EC + "acsa,2021,organizational_development,75\n")
        [(_, edited)] = triage(con, cat, cat.sources, [2021], "run-4").changed
        assert edited is not None and edited.sha256 != got.sha256
        (tmp_path / "ec.csv").unlink()
        # not fetchable: its own load fetches again and records why it failed
        assert triage(con, cat, cat.sources, [2021], "run-5").changed == [(source, None)]
    assert rows(seeded_db, "select run_id, status from mart.loads order by load_id") == [
        ("run-1", "loaded"), ("run-2", "unchanged")]


def test_the_analysis_is_current_until_its_inputs_or_its_configuration_change(
    bundled_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import duckdb

    from pilotwatch.analysis import config

    con = duckdb.connect(str(bundled_warehouse), read_only=True)
    try:
        assert analysis_current(con)
        edited = tmp_path / "analysis.yaml"
        edited.write_text(config.DEFAULT_PATH.read_text().replace("default_rule: endpoint",
                                                                  "default_rule: pilot_window", 1))
        monkeypatch.setattr(config, "DEFAULT_PATH", edited)
        assert not analysis_current(con)
        assert not analysis_current(con, "never_run")
    finally:
        con.close()


def test_the_analysis_is_not_current_for_other_analysis_code(
    bundled_warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An upgrade that changes how figures are computed recomputes them although data and configuration
    are the same: the run stores the code's version (migration 072)."""
    import duckdb

    import pilotwatch
    from pilotwatch.analysis.config import code_version

    con = duckdb.connect(str(bundled_warehouse), read_only=True)
    try:
        stored = con.execute("select code_version from mart.analysis_runs where is_latest").fetchall()
        assert stored and {v for (v,) in stored} == {code_version()}
        assert analysis_current(con)
        monkeypatch.setattr(pilotwatch, "__version__", pilotwatch.__version__ + ".post1")
        assert code_version() != stored[0][0]
        assert not analysis_current(con)
    finally:
        con.close()


def test_a_refresh_with_nothing_new_loads_nothing_keeps_the_analysis_and_still_monitors(
    bundled_copy: Path, prefect_server: None
) -> None:
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.settings import PREFECT_API_URL

    analysis_runs = rows(bundled_copy, "select count(*) from mart.analysis_runs")
    monitor_runs = rows(bundled_copy, "select count(*) from mart.monitor_runs")[0][0]
    # a fresh process, as a data engineer runs it: nothing a load needs is imported
    code = ("import json, sys; from pilotwatch.cli import main; rc = main(['refresh']); "
            "print(json.dumps([rc, sorted(m for m in ('pandas', 'pandera', 'scipy', 'pilotwatch.ingest', "
            "'pilotwatch.analysis.steps') if m in sys.modules)]))")
    env = dict(os.environ, PREFECT_API_URL=str(PREFECT_API_URL.value()), PILOTWATCH_DB=str(bundled_copy))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=PROJECT_ROOT,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rc, imported = json.loads(proc.stdout.strip().splitlines()[-1])
    assert (rc, imported) == (0, [])
    assert "the latest run stays current" in proc.stderr + proc.stdout
    assert {s for (s,) in rows(bundled_copy, "select distinct status from mart.loads where run_id = "
                                             "(select run_id from mart.loads order by load_id desc limit 1)")} == {
        "unchanged"}
    assert rows(bundled_copy, "select count(*) from mart.analysis_runs") == analysis_runs
    assert rows(bundled_copy, "select count(*) from mart.monitor_runs")[0][0] == monitor_runs + 2

    # in Prefect: four tasks, no per-source load and no subflow
    from flows.refresh import annual_refresh

    state = annual_refresh(return_state=True)
    assert {r["status"] for r in state.result()["loads"]} == {"unchanged"}
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(
            any_=[state.state_details.flow_run_id])))
    # a subflow would show here too, as its parent's task run (recompute_analysis-…, monitor-…)
    assert sorted(r.name.rsplit("-", 1)[0] for r in runs) == [
        "check-sources", "deliver-alerts", "evaluate-rules", "seed-registry"]

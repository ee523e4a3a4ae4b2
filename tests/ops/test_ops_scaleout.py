"""Scale-out: the analysis fans out per pilot body, and runs unchanged on a local Dask cluster."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

import warehouse
from pilotwatch import analysis
from pilotwatch.analysis.config import load_analysis_config


def _sortable(df: pl.DataFrame) -> list[str]:
    return [c for c, t in df.schema.items() if not t.is_nested()]


def _same(a: pl.DataFrame, b: pl.DataFrame) -> None:
    key = _sortable(a)
    assert_frame_equal(a.sort(key, nulls_last=True), b.select(a.columns).sort(key, nulls_last=True))


def test_per_body_results_equal_the_whole(bundled_warehouse: Path) -> None:
    cfg = load_analysis_config("default", None)
    con = warehouse.connect(read_only=True, path=bundled_warehouse)
    try:
        inputs = analysis.read_inputs(con, cfg)
    finally:
        con.close()
    whole = analysis.compute(inputs, cfg)
    bodies = analysis.pilot_bodies(inputs)
    assert {"acsa", "astana", "mangystau"} <= set(bodies)
    parts = analysis.combine([analysis.compute(analysis.for_body(inputs, b), cfg) for b in bodies])
    for f in dataclasses.fields(analysis.Results):
        if f.name == "load_ids":
            assert parts.load_ids == whole.load_ids
        else:
            _same(getattr(whole, f.name), getattr(parts, f.name))


RESULT_VIEWS = {
    "mart.cer": "body_code, year, mode, cost_musd, effectiveness_pct, cer, pilot_cer_higher, status",
    "mart.factor_effects": "body_code, factor, rule, effect, n_indicators, status",
    "mart.verdicts": "body_code, rule, hypothesis, supported, verdict, status",
    "mart.grades": "body_code, year, indicator, value, grade",
}


def _results(db: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {v: con.execute(f"select {cols} from {v} where config = 'default' order by all").fetchall()
                for v, cols in RESULT_VIEWS.items()}
    finally:
        con.close()


@pytest.mark.slow
def test_analysis_flow_runs_on_a_local_dask_cluster(bundled_warehouse: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch, prefect_server: None) -> None:
    dask_runner = pytest.importorskip(
        "prefect_dask", reason="the optional extra is not installed: pip install -e '.[dask]' (.ci/run does)")
    from prefect.client.orchestration import get_client

    from flows.analysis import recompute_analysis

    db = tmp_path / "pilotwatch.duckdb"
    shutil.copyfile(bundled_warehouse, db)
    monkeypatch.setenv("PILOTWATCH_DB", str(db))
    before = _results(db)
    # One worker process: every task is still pickled to another process and back (what a quoted argument
    # got wrong); a second worker only paid its own imports again. That per-body parts equal the whole is
    # test_per_body_results_equal_the_whole.
    runner = dask_runner.DaskTaskRunner(
        cluster_kwargs={"n_workers": 1, "threads_per_worker": 1, "processes": True, "dashboard_address": None})
    state = recompute_analysis.with_options(task_runner=runner)(return_state=True)
    assert state.is_completed(), state
    result = state.result()
    # the same numbers as the threaded run of the refresh, now from a new run id
    assert _results(db) == before
    con = duckdb.connect(str(db), read_only=True)
    try:
        latest = con.execute("select run_id from mart.analysis_runs where config = 'default' and is_latest").fetchall()
    finally:
        con.close()
    assert latest == [(result["run_id"],)]
    # one compute task per pilot body ran (on the Dask workers)
    with get_client(sync_client=True) as client:
        from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id])))
    names = {r.name for r in runs if r.name.startswith("compute-")}
    assert {"compute-acsa", "compute-astana", "compute-mangystau"} <= names
    assert all(r.state.is_completed() for r in runs if r.name.startswith("compute-"))

"""prefect.yaml is checked in CI: `prefect deploy` has no dry run and only warns on a bad file."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from pilotwatch import PROJECT_ROOT, deployments

WANTED = {"annual-refresh", "backfill", "analysis-recompute", "survey-analysis", "monitoring"}


@pytest.mark.slow
def test_prefect_yaml_is_valid() -> None:
    assert deployments.check() == []


def test_declares_the_promised_deployments() -> None:
    doc = deployments.load()
    by_name = {d["name"]: d for d in doc["deployments"]}
    assert set(by_name) >= WANTED
    refresh = by_name["annual-refresh"]
    assert [s["timezone"] for s in refresh["schedules"]] == ["Asia/Almaty"]
    # The year must come from the run's scheduled start: never written into the file.
    assert "year" not in (refresh.get("parameters") or {})
    assert "catalogue" in refresh["parameters"]
    pools = (doc["definitions"]["work_pools"]).values()
    assert all(d["work_pool"]["name"] in {p["name"] for p in pools} for d in doc["deployments"])


def test_every_entrypoint_imports_a_flow() -> None:
    for dep in deployments.load()["deployments"]:
        f = deployments.load_flow(dep["entrypoint"])
        assert type(f).__name__ == "Flow", dep["entrypoint"]


def _mutated(tmp_path: Path, change) -> Path:  # noqa: ANN001
    doc = deployments.load()
    change(doc)
    p = tmp_path / "prefect.yaml"
    p.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return p


def _first(doc: dict) -> dict:
    return next(d for d in doc["deployments"] if d["name"] == "annual-refresh")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: _first(d)["parameters"].update(yeer=2020), "'yeer' is not an argument"),
        (lambda d: _first(d)["parameters"].update(lag_years="one"), "lag_years"),
        (lambda d: _first(d).update(entrypoint="flows/scheduled.py:no_such_flow"), "does not load"),
        (lambda d: _first(d).update(entrypoint="flows/nowhere.py:flow"), "does not load"),
        (lambda d: _first(d).update(entrypoint="flows/scheduled.py:year_from_schedule"), "not a Prefect flow"),
        (lambda d: _first(d)["schedules"][0].update(cron="0 6 31 2 * *"), "cron"),
        (lambda d: _first(d)["schedules"][0].update(cron="every april"), "cron"),
        (lambda d: _first(d)["schedules"][0].update(timezone="Asia/Alma-Ata-ish"), "timezone"),
        (lambda d: _first(d)["schedules"][0].pop("timezone"), "give a timezone"),
        (lambda d: _first(d).update(work_pool={"name": "nowhere"}), "not declared"),
    ],
)
def test_a_broken_deployment_fails(tmp_path: Path, change, expected: str) -> None:  # noqa: ANN001
    problems = deployments.check(_mutated(tmp_path, change))
    assert problems, "the mutation should have been caught"
    assert any(expected in p for p in problems), problems


def test_year_comes_from_the_scheduled_start() -> None:
    from flows.scheduled import year_from_schedule

    assert year_from_schedule(1, datetime(2026, 4, 15, 1, 0, tzinfo=UTC)) == 2025
    assert year_from_schedule(0, datetime(2026, 4, 15, 1, 0, tzinfo=UTC)) == 2026
    # 19:30 UTC on 31 December is already 1 January in Almaty (UTC+5).
    assert year_from_schedule(0, datetime(2025, 12, 31, 19, 30, tzinfo=UTC)) == 2026
    with pytest.raises(ValueError):
        year_from_schedule(1, datetime(2026, 4, 15))


def test_scheduled_run_derives_the_year(prefect_server: None, seeded_db: Path) -> None:
    """A run 'scheduled' in April 2021 loads 2020, with nothing about the year in its parameters."""
    import duckdb
    from prefect.client.orchestration import get_client
    from prefect.flow_engine import run_flow
    from prefect.states import Scheduled

    from flows.scheduled import scheduled_refresh

    # A real flow run whose scheduled start is 15 April 2021, run the way a worker runs it.
    params: dict[str, object] = {}
    with get_client(sync_client=True) as client:
        run = client.create_flow_run(
            scheduled_refresh, parameters=params,
            state=Scheduled(scheduled_time=datetime(2021, 4, 15, 1, tzinfo=UTC)))
    assert run.expected_start_time.year == 2021
    result = run_flow(scheduled_refresh, flow_run=run, parameters=params)
    assert result["years"] == [2020]
    con = duckdb.connect(str(seeded_db), read_only=True)
    try:
        years = {r[0] for r in con.execute("select distinct year from mart.indicator_values").fetchall()}
    finally:
        con.close()
    assert years == {2020}


@pytest.mark.slow
def test_prefect_deploy_all_registers_every_deployment(prefect_server: None, tmp_path: Path) -> None:
    """The real `prefect deploy --all` against a real server: what a newcomer runs."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL

    api = PREFECT_API_URL.value()
    env = {**os.environ, "PREFECT_API_URL": api, "PREFECT_HOME": str(tmp_path / "home")}
    prefect = [sys.executable, "-m", "prefect"]  # the CLI of this environment, whatever is on PATH
    # The pool of docs/operations.md (`prefect work-pool create pilotwatch --type process`), made through
    # the API the command calls: that command is Prefect's own, and its process paid Prefect's imports.
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists
    from prefect.workers.process import ProcessWorker

    with get_client(sync_client=True) as client, contextlib.suppress(ObjectAlreadyExists):
        client.create_work_pool(WorkPoolCreate(  # with the job template the command gives a process pool
            name="pilotwatch", type="process", base_job_template=ProcessWorker.get_default_base_job_template()))
    out = subprocess.run([*prefect, "--no-prompt", "deploy", "--all"], cwd=PROJECT_ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr

    async def _read() -> dict[str, object]:
        async with get_client() as client:
            return {d.name: d for d in await client.read_deployments()}

    import asyncio

    found = asyncio.run(_read())
    assert set(found) >= WANTED
    sched = found["annual-refresh"].schedules[0].schedule
    assert (sched.cron, sched.timezone) == ("0 6 15 4 *", "Asia/Almaty")
    assert found["annual-refresh"].work_pool_name == "pilotwatch"
    assert "year" not in found["annual-refresh"].parameters

    # ... and a worker of the process pool runs the deployment from this checkout, as a newcomer would
    # watch it: a manual run for 2020 (the scheduled one would load last year, not in the bundled data).
    from prefect.deployments import run_deployment

    db = tmp_path / "wh" / "pilotwatch.duckdb"
    run = run_deployment("scheduled_refresh/annual-refresh", parameters={"year": 2020}, timeout=0)
    worker = subprocess.run([*prefect, "worker", "start", "--pool", "pilotwatch", "--run-once"], cwd=tmp_path,
                            env={**env, "PILOTWATCH_DB": str(db)}, capture_output=True, text=True, timeout=600)
    assert worker.returncode == 0, worker.stdout[-3000:] + worker.stderr[-3000:]

    async def _state() -> object:
        async with get_client() as client:
            return (await client.read_flow_run(run.id)).state

    state = asyncio.run(_state())
    assert state is not None and state.is_completed(), (state, worker.stdout[-3000:], worker.stderr[-3000:])
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("select distinct year from mart.indicator_values").fetchall() == [(2020,)]
    finally:
        con.close()

"""Shared fixtures: a private warehouse file per test, and one Prefect server and one bundled warehouse
for the whole session.

``make test`` runs two pytest-xdist workers, each its own process with its own Prefect home (by pid,
below) and its own ``seeded_template``; every test writes only under its own ``tmp_path``. The Prefect
server and the bundled warehouse are the session's, shared by the workers and started in the background
as soon as a collected test needs them (``tests/session_services.py`` says why and how)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import session_services

from pilotwatch import settings

# Prefect must not touch ~/.prefect of the machine running the tests.
_PREFECT_HOME = Path(os.environ.get("PYTEST_PREFECT_HOME", "/tmp/pilotwatch-test-prefect-home")) / str(os.getpid())
_PREFECT_HOME.mkdir(parents=True, exist_ok=True)
os.environ.setdefault("PREFECT_HOME", str(_PREFECT_HOME))
os.environ.setdefault("PREFECT_LOGGING_TO_API_ENABLED", "false")
settings.apply_prefect_defaults()  # telemetry off, the start-up timeout: before anything imports Prefect
# Tests must never page a real team: drop the monitoring overrides and the channel settings that
# data/monitoring.yaml reads (its webhook and email channels are optional, so they stay silent).
for _var in ("PILOTWATCH_MONITORING", "PILOTWATCH_ALERTS_WEBHOOK_URL", "PILOTWATCH_SMTP_HOST", "PILOTWATCH_SMTP_PORT"):
    os.environ.pop(_var, None)


def pytest_configure(config: pytest.Config) -> None:
    """On the controller, before the workers start (they inherit its environment): the session's directory."""
    if not hasattr(config, "workerinput"):
        session_services.begin_session()
    config.pluginmanager.register(_RunOrder(), "pilotwatch-run-order")


def pytest_unconfigure(config: pytest.Config) -> None:
    """On the controller, after every worker has finished: stop the session's server."""
    if not hasattr(config, "workerinput"):
        session_services.end_session()


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """The session's Prefect API (one real server for every worker) as this process' ``PREFECT_API_URL``,
    given as long to start as the commands give theirs (``settings.prefect_startup_timeout_s``).

    Like ``prefect.testing.utilities.prefect_test_harness``, the URL is a Prefect setting of this process,
    not an environment variable: a test gives it to the subprocesses it starts when it means to."""
    import prefect.context
    from prefect.settings import PREFECT_API_URL, temporary_settings

    url = session_services.prefect_api_url(timeout_s=settings.prefect_startup_timeout_s())
    with temporary_settings(updates={PREFECT_API_URL: url}), \
            prefect.context._temporary_global_settings_context(prefect.context.get_settings_context()):
        yield
        _drain_prefect_workers()


def _drain_prefect_workers() -> None:
    """Send what Prefect still buffers (events, logs) before the server goes, as the test harness does."""
    import inspect

    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker
    from prefect.utilities.asyncutils import run_coro_as_sync

    async def drain() -> None:
        try:
            result = APILogWorker.instance().drain()
            if inspect.isawaitable(result):
                await result
        except RuntimeError:
            pass  # never started
        result = EventsWorker.drain_all()
        if inspect.isawaitable(result):
            await result

    run_coro_as_sync(drain())


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, private warehouse location; nothing is shared between tests."""
    p = tmp_path / "wh" / "pilotwatch.duckdb"
    p.parent.mkdir()
    monkeypatch.setenv("PILOTWATCH_DB", str(p))
    monkeypatch.setenv("PILOTWATCH_LOCK_TIMEOUT", "5")
    return p


@contextmanager
def _warehouse_at(p: Path) -> Iterator[None]:
    """``PILOTWATCH_DB`` pointed at ``p`` for a session fixture (``monkeypatch`` is per test), then restored."""
    old = os.environ.get("PILOTWATCH_DB")
    os.environ["PILOTWATCH_DB"] = str(p)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("PILOTWATCH_DB", None)
        else:
            os.environ["PILOTWATCH_DB"] = old


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeded warehouse, migrated and published once per session (per xdist worker).

    Seeding runs every migration and loads the registry (about 1 s of CPU); over a hundred tests
    start from it, so ``seeded_db`` copies this file instead of seeding again. Read-only.
    """
    import warehouse
    from pilotwatch import registry

    p = tmp_path_factory.mktemp("seeded") / "pilotwatch.duckdb"
    with _warehouse_at(p), warehouse.writer("test-seed") as con:
        registry.seed(con)
    return p


@pytest.fixture
def seeded_db(db_path: Path, seeded_template: Path) -> Path:
    """A published, migrated warehouse with the body and indicator registry loaded (no facts).

    A copy of ``seeded_template`` with its version record (``<db>.versions.json``: size and sha256
    of the published file), so it is exactly what ``warehouse.writer`` + ``registry.seed`` publish.
    """
    for name in (seeded_template.name, seeded_template.name + ".versions.json"):
        shutil.copyfile(seeded_template.with_name(name), db_path.with_name(name.replace(seeded_template.name,
                                                                                             db_path.name)))
    return db_path


@pytest.fixture(scope="session")
def bundled_warehouse(prefect_server: None) -> Path:
    """The warehouse after one full ``annual_refresh`` on the bundled data (built once per session, for
    every worker, against the session's Prefect server).

    Tests must treat it as read-only: copy it (``shutil.copyfile``) before writing.
    """
    return session_services.bundled_warehouse(prefect_timeout_s=settings.prefect_startup_timeout_s())


@pytest.fixture
def bundled_copy(bundled_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the bundled warehouse (what ``make run`` leaves behind), as ``PILOTWATCH_DB``."""
    db = tmp_path / "wh" / "pilotwatch.duckdb"
    db.parent.mkdir()
    shutil.copyfile(bundled_warehouse, db)
    monkeypatch.setenv("PILOTWATCH_DB", str(db))
    return db


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test that needs a Prefect server (directly or through the bundled refresh) is end-to-end.

    Marked here from its fixtures, so ``make test-fast`` (``-m "not slow and not e2e"``) keeps the
    specification tests only without every such test having to remember its marker.
    """
    e2e = pytest.mark.e2e
    for item in items:
        if "prefect_server" in getattr(item, "fixturenames", ()):
            item.add_marker(e2e)


class _RunOrder:
    """Tests that need nothing shared first, then those that need the Prefect server, then those that need
    the bundled warehouse; in each group the ``slow`` ones first.

    Why: the server and the bundled warehouse start in the background when collected tests need them, so
    the workers run the other tests meanwhile instead of waiting; and a long test started last would keep
    one worker busy while the other has nothing left (xdist hands tests out in this order). The same order
    on every worker (xdist requires it); ``trylast``, after pytest's own reordering."""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        items.sort(key=lambda item: (_shared_need(item), 0 if item.get_closest_marker("slow") else 1))  # stable


def _shared_need(item: pytest.Item) -> int:
    """0: nothing shared; 1: the Prefect server; 2: the bundled warehouse, or an ``e2e`` test whose fixtures
    do not say what it needs (it asks through ``request.getfixturevalue``)."""
    needs = getattr(item, "fixturenames", ())
    if "bundled_warehouse" in needs:
        return 2
    if "prefect_server" in needs:
        return 1
    return 2 if item.get_closest_marker("e2e") else 0


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start what the selected tests will need in the background now, while the workers run the others."""
    if session.config.option.collectonly:
        return
    need = max((_shared_need(item) for item in session.items), default=0)
    if need == 2:
        session_services.start_bundled_warehouse(prefect_timeout_s=settings.prefect_startup_timeout_s())
    elif need == 1:
        session_services.start_prefect_api()

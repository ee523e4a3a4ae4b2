"""Shared fixtures: a private warehouse file per test and one Prefect test server per session.

``make test`` runs two pytest-xdist workers: each is its own process with its own Prefect home (by
pid, below), its own temporary Prefect server and its own ``bundled_warehouse`` (session fixtures are
per worker), and every test writes only under its own ``tmp_path``."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

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


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """One temporary Prefect API for the whole session (a real server, started once per xdist worker),
    given as long to start as the commands give theirs (``settings.prefect_startup_timeout_s``)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=settings.prefect_startup_timeout_s()):
        yield


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
def bundled_warehouse(tmp_path_factory: pytest.TempPathFactory, prefect_server: None) -> Path:
    """The warehouse after one full ``annual_refresh`` on the bundled data (built once per session).

    Tests must treat it as read-only: copy it (``shutil.copyfile``) before writing.
    """
    from flows.refresh import annual_refresh

    p = tmp_path_factory.mktemp("bundled") / "pilotwatch.duckdb"
    with _warehouse_at(p):
        annual_refresh()
    return p


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

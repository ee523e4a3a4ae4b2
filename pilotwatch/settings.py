"""Settings that come from the environment, in one place.

Paths and secrets never live in the repository: the warehouse path, the catalogue and the lock
timeout are read here, so every flow, CLI command and test agrees on them.
"""

from __future__ import annotations

import os
from pathlib import Path

from pilotwatch import DATA_DIR, PROJECT_ROOT

DEFAULT_DB = PROJECT_ROOT / "warehouse" / "pilotwatch.duckdb"
DEFAULT_CATALOGUE = DATA_DIR / "catalogue.yaml"


def db_path() -> Path:
    """The published warehouse file (``PILOTWATCH_DB`` overrides the default)."""
    return Path(os.environ.get("PILOTWATCH_DB", str(DEFAULT_DB))).expanduser().resolve()


def catalogue_path(override: str | os.PathLike[str] | None = None) -> Path:
    """The source catalogue: an explicit argument, else ``PILOTWATCH_CATALOGUE``, else the bundled one."""
    if override:
        return Path(override).expanduser().resolve()
    return Path(os.environ.get("PILOTWATCH_CATALOGUE", str(DEFAULT_CATALOGUE))).expanduser().resolve()


def lock_timeout_s() -> float:
    """How long a writer waits for another writer before failing (``PILOTWATCH_LOCK_TIMEOUT``)."""
    return float(os.environ.get("PILOTWATCH_LOCK_TIMEOUT", "600"))


def timezone() -> str:
    """The timezone schedules and "which year is it" are read in (``PILOTWATCH_TIMEZONE``)."""
    return os.environ.get("PILOTWATCH_TIMEZONE", "Asia/Almaty")


def docs_dir() -> Path:
    """Where the great-expectations Data Docs are built (``PILOTWATCH_DOCS_DIR``; default beside the warehouse)."""
    return Path(os.environ.get("PILOTWATCH_DOCS_DIR", str(db_path().parent / "data_docs"))).expanduser().resolve()


def reports_dir() -> Path:
    """Where ``pilotwatch report`` writes (``PILOTWATCH_REPORTS_DIR``; default beside the warehouse)."""
    return Path(os.environ.get("PILOTWATCH_REPORTS_DIR", str(db_path().parent / "reports"))).expanduser().resolve()


def bench_dir() -> Path:
    """Where ``make bench`` writes its JSON (``PILOTWATCH_BENCH_DIR``; default beside the warehouse)."""
    return Path(os.environ.get("PILOTWATCH_BENCH_DIR", str(db_path().parent / "bench"))).expanduser().resolve()


# -- Prefect ----------------------------------------------------------------------------------

#: Seconds a temporary ("ephemeral") Prefect server may take to start before a flow fails. Prefect's
#: own default, 20 s, failed every flow command with the load average above about 20 on this 2-core
#: machine; unloaded the server starts in 10-19 s (README), and at a load average of 22 (eight
#: engineers' jobs, 2026-11-30) it did not answer within 120 s. A slow start costs only waiting; a
#: timeout fails the command, so the default is generous. ``tests/test_busy_machine.py`` runs the
#: flow commands under a CPU burner with it.
DEFAULT_PREFECT_STARTUP_TIMEOUT_S = 600


def prefect_api_url() -> str | None:
    """A running Prefect server to report to (``PREFECT_API_URL``), or None: then flow commands start
    a temporary server, and interactive commands that can run without Prefect do so."""
    return os.environ.get("PREFECT_API_URL") or None


def prefect_startup_timeout_s() -> int:
    """How long a temporary Prefect server may take to start (``PILOTWATCH_PREFECT_STARTUP_TIMEOUT``)."""
    return int(os.environ.get("PILOTWATCH_PREFECT_STARTUP_TIMEOUT", str(DEFAULT_PREFECT_STARTUP_TIMEOUT_S)))


def apply_prefect_defaults() -> None:
    """Give Prefect pilotwatch's defaults before it is imported (it reads its settings on import).

    Telemetry off: pilotwatch runs on machines without internet, where Prefect's server logs
    ``ERROR … Failed to send telemetry`` on every start. The temporary server's start-up timeout from
    ``prefect_startup_timeout_s``. A value the operator set for Prefect itself is kept."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", str(prefect_startup_timeout_s()))

"""Settings that come from the environment, in one place.

Paths and secrets never live in the repository: every environment variable pilotwatch reads is read
here (and only here), through a typed accessor, so every flow, CLI command and test agrees on them
and a reader finds them all in one file. Runtime output (the warehouse, its lock and working copies,
Data Docs, reports, file alerts) goes to one data directory, ``PILOTWATCH_HOME`` (default ``var/`` in
the checkout, ignored by git), never into a source folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pilotwatch import DATA_DIR, PROJECT_ROOT

DEFAULT_HOME = PROJECT_ROOT / "var"
DEFAULT_CATALOGUE = DATA_DIR / "catalogue.yaml"
DEFAULT_ALERTS_CONFIG = DATA_DIR / "monitoring.yaml"
DEFAULT_SURVEY_ITEMS = DATA_DIR / "reference" / "survey_items.yaml"


def _path(name: str, default: str | os.PathLike[str]) -> Path:
    return Path(os.environ.get(name) or str(default)).expanduser().resolve()


def _path_or_override(override: str | os.PathLike[str] | None, name: str, default: Path) -> Path:
    """An explicit argument, else the environment variable ``name``, else ``default``."""
    if override:
        return Path(override).expanduser().resolve()
    return _path(name, default)


def home() -> Path:
    """The data directory all runtime output goes to (``PILOTWATCH_HOME``; default ``var/`` in the checkout)."""
    return _path("PILOTWATCH_HOME", DEFAULT_HOME)


def db_path() -> Path:
    """The published warehouse file (``PILOTWATCH_DB`` overrides ``$PILOTWATCH_HOME/pilotwatch.duckdb``)."""
    return _path("PILOTWATCH_DB", home() / "pilotwatch.duckdb")


def catalogue_path(override: str | os.PathLike[str] | None = None) -> Path:
    """The source catalogue: an explicit argument, else ``PILOTWATCH_CATALOGUE``, else the bundled one."""
    return _path_or_override(override, "PILOTWATCH_CATALOGUE", DEFAULT_CATALOGUE)


def alerts_config_path(override: str | os.PathLike[str] | None = None) -> Path:
    """The alerts configuration: an explicit argument, else ``PILOTWATCH_MONITORING``, else the bundled one."""
    return _path_or_override(override, "PILOTWATCH_MONITORING", DEFAULT_ALERTS_CONFIG)


def survey_items_path(override: str | os.PathLike[str] | None = None) -> Path:
    """The survey instruments: an explicit argument, else ``PILOTWATCH_SURVEY_ITEMS``, else the bundled file."""
    return _path_or_override(override, "PILOTWATCH_SURVEY_ITEMS", DEFAULT_SURVEY_ITEMS)


def lock_timeout_s() -> float:
    """How long a writer waits for another writer before failing (``PILOTWATCH_LOCK_TIMEOUT``)."""
    return float(os.environ.get("PILOTWATCH_LOCK_TIMEOUT", "600"))


def timezone() -> str:
    """The timezone schedules and "which year is it" are read in (``PILOTWATCH_TIMEZONE``)."""
    return os.environ.get("PILOTWATCH_TIMEZONE", "Asia/Almaty")


def docs_dir() -> Path:
    """Where the great-expectations Data Docs are built (``PILOTWATCH_DOCS_DIR``; default beside the warehouse)."""
    return _path("PILOTWATCH_DOCS_DIR", db_path().parent / "data_docs")


def reports_dir() -> Path:
    """Where ``pilotwatch report`` writes (``PILOTWATCH_REPORTS_DIR``; default beside the warehouse)."""
    return _path("PILOTWATCH_REPORTS_DIR", db_path().parent / "reports")


def bench_dir() -> Path:
    """Where ``make bench`` writes its JSON (``PILOTWATCH_BENCH_DIR``; default beside the warehouse)."""
    return _path("PILOTWATCH_BENCH_DIR", db_path().parent / "bench")


# -- Prefect ----------------------------------------------------------------------------------

#: Seconds a temporary ("ephemeral") Prefect server may take to start before a flow fails. Prefect's
#: own default, 20 s, failed every flow command with the load average above about 20 on this 2-core
#: machine; unloaded the server starts in 10-19 s (README), and at a load average of 22 (eight
#: engineers' jobs, 2026-11-30) it did not answer within 120 s. A slow start costs only waiting; a
#: timeout fails the command, so the default is generous. ``tests/ops/test_busy_machine.py`` runs the
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



def progress_enabled() -> bool:
    """Progress bars may be drawn: not under CI (``CI`` set) and not switched off (``PILOTWATCH_PROGRESS=0``)."""
    return not os.environ.get("CI") and os.environ.get("PILOTWATCH_PROGRESS", "1") != "0"


def survey_threads() -> int:
    """BLAS/OpenMP threads for one survey model fit (``PILOTWATCH_SURVEY_THREADS``, default 1).

    One by default: a second thread costs more than it saves
    (the model's matrices are 20 x 20; see ``benchmarks/survey_fit.py`` and ``docs/surveys.md``).
    """
    return int(os.environ.get("PILOTWATCH_SURVEY_THREADS", "1"))


def id_salt() -> str:
    """The secret salt employee ids are hashed with (``PILOTWATCH_ID_SALT``; empty when unset)."""
    return os.environ.get("PILOTWATCH_ID_SALT", "")


def duckdb_memory_limit(default: str) -> str:
    """DuckDB's memory limit during a payroll records load (``PILOTWATCH_DUCKDB_MEMORY``)."""
    return os.environ.get("PILOTWATCH_DUCKDB_MEMORY", default)


def payroll_tmpdir() -> str | None:
    """Where a payroll load spills its scratch files (``PILOTWATCH_TMPDIR``; None: the system's)."""
    return os.environ.get("PILOTWATCH_TMPDIR") or None


def failpoints() -> frozenset[str]:
    """The crash points armed by ``PILOTWATCH_FAILPOINTS`` (comma-separated; empty in production)."""
    wanted = os.environ.get("PILOTWATCH_FAILPOINTS")
    return frozenset(p.strip() for p in wanted.split(",")) if wanted else frozenset()


def named_value(env: str | None) -> str | None:
    """The value of the environment variable a configuration file *names* (an API key, a webhook URL).

    Configuration never holds such values, only the variable's name (``api_key_env``, ``url_env``);
    None when no name is given or the variable is unset or blank.
    """
    if not env:
        return None
    value = os.environ.get(env, "")
    return value if value.strip() else None


@contextmanager
def gx_analytics_disabled() -> Iterator[None]:
    """Run a block with great-expectations' usage analytics off (it reads ``GX_ANALYTICS_ENABLED``).

    The checks run offline and must not phone home; the previous value is restored afterwards.
    """
    old = os.environ.get("GX_ANALYTICS_ENABLED")
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("GX_ANALYTICS_ENABLED", None)
        else:
            os.environ["GX_ANALYTICS_ENABLED"] = old


def generations() -> int:
    """How many previous published warehouses to keep beside it for ``pilotwatch warehouse restore``
    (``PILOTWATCH_GENERATIONS``, default 3; each costs one warehouse's size on disk)."""
    return max(0, int(os.environ.get("PILOTWATCH_GENERATIONS", "3")))

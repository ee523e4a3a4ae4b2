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

"""pilotwatch: yearly monitoring of Kazakhstan's pay-by-results pilot in the civil service."""

from pathlib import Path

__version__ = "0.1.0"

#: Repository root (editable installs keep data files next to the code).
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"


def connect(path: str | Path | None = None):  # noqa: ANN201 - duckdb is imported lazily
    """A read-only connection to the newest published warehouse, for notebooks.

    Why not ``duckdb.connect(path, read_only=True)``: DuckDB shares one database instance per path
    in a process, so reconnecting while any earlier connection is still open shows the version that
    one opened, not a newer refresh. This opens the file in a new instance each call (attached
    read-only as the default catalog), so each call sees the newest publish, while connections
    already open keep the version they opened. Files, URLs and extensions stay usable (your own
    CSVs can be joined); ``pilotwatch query`` is the sandboxed way.
    """
    import warehouse
    from pilotwatch import settings

    p = Path(path) if path else settings.db_path()
    if not p.exists():
        raise warehouse.WarehouseMissing(f"no warehouse at {p}: run `pilotwatch refresh` (or `make run`) first")
    warehouse.check_size(p)
    return warehouse.attach_fresh(p, sandbox=False)

"""Reading a warehouse file back in a test: one helper instead of a copy per test file.

Opens the file read-only for one statement and closes it at once, so the test never holds a
connection that a later writer (or DuckDB's one-instance-per-path cache) would see.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb


def rows(db: Path, query: str, params: list[Any] | None = None) -> list[tuple]:
    """Every row ``query`` returns from the warehouse file ``db`` (``?`` placeholders take ``params``)."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(query, params or []).fetchall()

"""The payroll load's line in ``meta.loads``: the one place this domain writes it.

The project's shared load ledger (issue 11) is being built on another branch; when it lands,
``record`` is the seam to switch: it is the only function here that writes ``meta.loads``, and
``loaded_before`` / ``last_sha`` the only ones that read it.
"""

from __future__ import annotations

import duckdb

from pilotwatch.payroll.model import DATASET, SOURCE_ID, Load, RecordsResult, now, query
from warehouse import one, sql


def record(con: duckdb.DuckDBPyConnection, load: Load, result: RecordsResult, sha: str | None) -> RecordsResult:
    """Write the load's audit row (named columns) and return ``result`` unchanged."""
    con.execute(
        query("record_load"),
        [result.load_id, load.request.run_id, DATASET, SOURCE_ID, load.source.kind, result.source_uri, load.years_key,
         sha, result.rows_read, result.rows_accepted, result.rows_rejected, load.started, now(), result.status,
         result.message or None],
    )
    return result


def loaded_before(con: duckdb.DuckDBPyConnection, uri: str) -> bool:
    """Was a load of this source ever recorded as loaded or unchanged?"""
    row = one(con, "SELECT 1 FROM meta.loads WHERE dataset = ? AND source_uri = ? "
                   "AND status IN ('loaded', 'unchanged') LIMIT 1", [DATASET, uri])
    return row is not None


def last_sha(con: duckdb.DuckDBPyConnection, load: Load) -> str | None:
    """sha256 of the last successful load of the same source and years."""
    last = one(con, sql("last_loaded_sha"), [SOURCE_ID, DATASET, load.years_key])
    return last[0] if last else None

"""The payroll load's line in ``meta.loads``, written through the project's one load ledger.

``record`` hands the row to :func:`pilotwatch.loads.ledger.write_row` (the one write of ``meta.loads``);
``loaded_before`` / ``last_sha`` are the only reads here. Payroll keeps its own load object because it
stages out of core, but the row, its columns and its statuses are the ledger's.
"""

from __future__ import annotations

import duckdb

from pilotwatch.loads.ledger import write_row
from pilotwatch.payroll.model import DATASET, SOURCE_ID, Load, RecordsResult, now, query
from warehouse import one, sql


def record(con: duckdb.DuckDBPyConnection, load: Load, result: RecordsResult, sha: str | None) -> RecordsResult:
    """Write the load's audit row (named columns) and return ``result`` unchanged."""
    write_row(con, {
        "load_id": result.load_id, "run_id": load.request.run_id, "dataset": DATASET, "source_id": SOURCE_ID,
        "source_kind": load.source.kind, "source_uri": result.source_uri, "years": load.years_key, "sha256": sha,
        "rows_read": result.rows_read, "rows_accepted": result.rows_accepted, "rows_rejected": result.rows_rejected,
        "started_at": load.started, "finished_at": now(), "status": result.status, "message": result.message or None,
    })
    return result


def loaded_before(con: duckdb.DuckDBPyConnection, uri: str) -> bool:
    """Was a load of this source ever recorded as loaded or unchanged?"""
    row = one(con, query("loaded_before"), [DATASET, uri])
    return row is not None


def last_sha(con: duckdb.DuckDBPyConnection, load: Load) -> str | None:
    """sha256 of the last successful load of the same source and years."""
    last = one(con, sql("last_loaded_sha"), [SOURCE_ID, DATASET, load.years_key])
    return last[0] if last else None

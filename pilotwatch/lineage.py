"""Store how each loaded value was read (``core.value_lineage``, shown in ``mart.value_lineage``).

The pure side (:mod:`transforms.units`) adds the lineage columns; this writes them beside the facts
in the load's transaction, so "why is this 12.39?" is answered by "5 280,0 млн. тенге at 426.03 KZT
per USD (usd_kzt 2021)" in the warehouse itself.
"""

from __future__ import annotations

import duckdb
import polars as pl

from transforms.units import LINEAGE_COLUMNS
from warehouse import sql


def store(con: duckdb.DuckDBPyConnection, load_id: int, valid: pl.DataFrame) -> int:
    """Write the lineage of a load's accepted values (frames without lineage columns write nothing)."""
    if valid.is_empty() or not set(LINEAGE_COLUMNS) <= set(valid.columns):
        return 0
    con.execute("DELETE FROM core.value_lineage WHERE load_id = ?", [load_id])
    con.register("_lineage", valid)
    try:
        con.execute(sql("insert_value_lineage"), [load_id])
    finally:
        con.unregister("_lineage")
    return valid.height

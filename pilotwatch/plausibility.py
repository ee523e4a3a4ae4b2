"""Plausibility holds, warehouse side: read the history, hold suspicious values, release them.

The check itself is pure (:mod:`transforms.plausibility`); this reads the bodies' history from
``core.indicator_facts``, records held values in ``core.held_values`` (their quarantine rows say how
to release them), and releases one into the facts when an analyst says it is right
(``pilotwatch quarantine release HOLD_ID``).
"""

from __future__ import annotations

import json

import duckdb
import polars as pl

from pilotwatch import DATA_DIR
from transforms.plausibility import screen as screen_values
from transforms.units import LINEAGE_COLUMNS
from warehouse import frame, one, replace_rows, sql, transaction, utc_now

RULES_FILE = DATA_DIR / "reference" / "plausibility.csv"

#: Datasets whose values are checked against history (macro series and targets are not a body's record).
CHECKED = ("evaluation_center", "public_services_monitoring", "payroll")


class HoldError(LookupError):
    """A hold that does not exist or was already released."""


def rules() -> dict[str, float]:
    """``indicator -> max_ratio`` (``*``: the default) from ``data/reference/plausibility.csv``."""
    table = pl.read_csv(RULES_FILE, infer_schema_length=0)
    return {i: float(r) for i, r in table.select("indicator", "max_ratio").iter_rows()}


def screen(con: duckdb.DuckDBPyConnection, dataset: str, valid: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``(kept, held)``: the values of a load that fit their bodies' history, and those that do not."""
    if dataset not in CHECKED or valid.is_empty():
        return valid, valid.clear()
    con.register("_candidates", valid.select("body_code", "indicator"))
    try:
        history = frame(con, sql("plausibility_history"))
    finally:
        con.unregister("_candidates")
    result = screen_values(valid, history, rules())
    return result.kept, result.held


def hold(con: duckdb.DuckDBPyConnection, held: pl.DataFrame, *, load_id: int, dataset: str,
         source_id: str) -> pl.DataFrame:
    """Record held values; return their quarantine rows (``_row, column_name, reason``) naming the hold id."""
    empty = pl.DataFrame(schema={"_row": pl.Int64, "column_name": pl.String, "reason": pl.String})
    if held.is_empty():
        return empty
    ids = [int(one(con, "SELECT nextval('meta.hold_id_seq')")[0]) for _ in range(held.height)]  # type: ignore[index]
    lineage = [json.dumps({k: r.get(k) for k in LINEAGE_COLUMNS}, ensure_ascii=False, default=str)
               for r in held.iter_rows(named=True)]
    rows = held.with_columns(hold_id=pl.Series(ids, dtype=pl.Int64), lineage=pl.Series(lineage, dtype=pl.String),
                             year=pl.col("year").cast(pl.Int32))
    con.register("_held", rows)
    try:
        con.execute(sql("insert_held_values"), [load_id, dataset, source_id, utc_now()])
    finally:
        con.unregister("_held")
    return rows.select(
        pl.col("row_number").cast(pl.Int64).alias("_row"), pl.col("_column").alias("column_name"),
        pl.format("{}; held as hold {}, not loaded: if it is right, `pilotwatch quarantine release {}` loads it",
                  pl.col("reason"), pl.col("hold_id"), pl.col("hold_id")).alias("reason"),
    )


def release(con: duckdb.DuckDBPyConnection, hold_id: int, by: str) -> dict[str, object]:
    """Load a held value into the facts (under the load that held it) and mark the hold released."""
    held = frame(con, "SELECT * FROM core.held_values WHERE hold_id = ?", [hold_id])
    if held.is_empty():
        raise HoldError(f"no held value {hold_id} (see `pilotwatch quarantine list` or mart.held_values)")
    row = held.row(0, named=True)
    if row["released_at"] is not None:
        raise HoldError(f"held value {hold_id} was already released on {row['released_at']} by {row['released_by']}")
    fact = held.select("body_code", "year", "indicator", "value", "unit", pl.lit("published").alias("basis"),
                       "dataset", "load_id")
    lineage = json.loads(row["lineage"]) if row["lineage"] else {}
    with transaction(con):
        replace_rows(con, "core.indicator_facts", fact, key=["body_code", "year", "indicator", "basis"])
        if lineage:
            stored = held.select("load_id", "row_number", "column_name", "body_code", "year", "indicator", "value",
                                 "unit").with_columns([pl.lit(lineage.get(k)).alias(k) for k in LINEAGE_COLUMNS])
            con.register("_lineage", stored.rename({"column_name": "_column"}))
            try:
                con.execute(sql("insert_value_lineage"), [row["load_id"]])
            finally:
                con.unregister("_lineage")
        con.execute("UPDATE core.held_values SET released_at = ?, released_by = ? WHERE hold_id = ?",
                    [utc_now(), by, hold_id])
    return row

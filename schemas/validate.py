"""Run a dataset's schema lazily (every problem at once) and turn failures into quarantine reasons."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas import SCHEMAS

_FRIENDLY = {
    "greater_than_or_equal_to": "below the minimum",
    "less_than_or_equal_to": "above the maximum",
    "not_nullable": "missing",
    "multiple_fields_uniqueness": "more than one value for the same key",
}


def _reason(check: str, column: str, value: str) -> str:
    base = check.split("(")[0]
    bound = check[len(base):]
    friendly = _FRIENDLY.get(base)
    if friendly:
        return f"{column} {value} is {friendly}{' ' + bound if bound else ''} ({check})"
    return f"fails check '{check}' ({column} = {value})"


def validate(dataset: str, frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split ``frame`` into rows that pass ``SCHEMAS[dataset]`` and rejects (``_row, column_name, reason``).

    ``frame`` must carry ``row_number`` (the source row) and ``_column`` (the source header of the
    value), which name the row and column in every message.
    """
    schema = SCHEMAS[dataset]
    indexed = frame.with_row_index("_idx")
    try:
        schema.validate(frame, lazy=True)
        return frame, pl.DataFrame(schema={"_row": pl.Int64, "column_name": pl.String, "reason": pl.String})
    except pa.errors.SchemaErrors as exc:
        fc = exc.failure_cases
    value_cols = {"value", "year", "series"}
    fc = fc.with_columns(pl.col("index").cast(pl.UInt32)).filter(pl.col("index").is_not_null())
    bad = fc.join(indexed.select("_idx", "row_number", "_column", "value"), left_on="index", right_on="_idx")
    reasons = [
        _reason(chk, col if col in value_cols else "value", str(val if col not in value_cols else case))
        for chk, col, case, val in zip(bad["check"], bad["column"], bad["failure_case"], bad["value"], strict=True)
    ]
    rejects = (
        bad.with_columns(reason=pl.Series(reasons, dtype=pl.String))
        .group_by("index", "row_number", "_column")
        .agg(pl.col("reason").unique().sort().str.join("; "))
        .select(pl.col("row_number").cast(pl.Int64).alias("_row"), pl.col("_column").alias("column_name"), "reason")
    )
    failed = fc["index"].unique()
    valid = indexed.filter(~pl.col("_idx").is_in(failed.implode())).drop("_idx")
    return valid, rejects.sort("_row")

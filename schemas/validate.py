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


def _bound(x: float | None) -> str:
    return "" if x is None else f"{x:g}"


def _reason_for(row: dict[str, object]) -> str:
    check, column = str(row["check"]), str(row["column"])
    if check == "value_within_registered_range":
        return (f"value {row['value']:g} outside the registered range [{_bound(row.get('min_value'))}, "  # type: ignore[str-format]
                f"{_bound(row.get('max_value'))}] of {row.get('indicator')}")
    if column in ("value", "year", "series", "unit", "indicator", "body_code"):
        return _reason(check, column, str(row["failure_case"]))
    return _reason(check, "value", str(row["value"]))


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
    fc = fc.with_columns(pl.col("index").cast(pl.UInt32)).filter(pl.col("index").is_not_null())
    extra = [c for c in ("indicator", "min_value", "max_value") if c in indexed.columns]
    bad = fc.join(indexed.select("_idx", "row_number", "_column", "value", *extra), left_on="index", right_on="_idx")
    reasons = [_reason_for(row) for row in bad.iter_rows(named=True)]
    rejects = (
        bad.with_columns(reason=pl.Series(reasons, dtype=pl.String))
        .group_by("index", "row_number", "_column")
        .agg(pl.col("reason").unique().sort().str.join("; "))
        .select(pl.col("row_number").cast(pl.Int64).alias("_row"), pl.col("_column").alias("column_name"), "reason")
    )
    failed = fc["index"].unique()
    valid = indexed.filter(~pl.col("_idx").is_in(failed.implode())).drop("_idx")
    return valid, rejects.sort("_row")

"""From a source's table (as read, all strings) to one long row per value (pure).

Output columns: ``_row`` (row in the source file), ``_column`` (the header the value came from),
``body_label``, ``year_text``, ``indicator_label``, ``value_text``, ``unit_text``. Which header is
what comes from the catalogue's ``columns`` and ``layout``, never from code.
"""

from __future__ import annotations

import polars as pl

from pilotwatch.catalogue import Source

LONG_COLUMNS = ["_row", "_column", "body_label", "year_text", "indicator_label", "value_text", "unit_text"]


def _blank_to_null(frame: pl.DataFrame, cols: list[str]) -> pl.DataFrame:
    return frame.with_columns(
        [pl.when(pl.col(c).str.strip_chars() == "").then(None).otherwise(pl.col(c)).alias(c) for c in cols]
    )


def fill_down(frame: pl.DataFrame, cols: list[str]) -> pl.DataFrame:
    """Repeat the value above into blank cells (merged cells in published tables)."""
    if not cols:
        return frame
    return _blank_to_null(frame, cols).with_columns([pl.col(c).forward_fill() for c in cols])


def _const_or_col(frame: pl.DataFrame, col: str | None, const: object, name: str) -> pl.Expr:
    if col:
        return pl.col(col).cast(pl.String).alias(name)
    return pl.lit(None if const is None else str(const), dtype=pl.String).alias(name)


def to_long(frame: pl.DataFrame, source: Source) -> pl.DataFrame:
    """Reshape a read table into long rows according to the source's layout."""
    c = source.columns
    frame = fill_down(frame, list(source.fill_down))
    year = _const_or_col(frame, c.year, source.year, "year_text")
    unit = _const_or_col(frame, c.unit, None, "unit_text")
    if source.layout == "wide_bodies":
        ids = frame.select("_row", year, _const_or_col(frame, c.indicator, None, "indicator_label"), unit,
                           *[pl.col(h) for h in c.bodies])
        long = ids.unpivot(index=["_row", "year_text", "indicator_label", "unit_text"], on=list(c.bodies),
                           variable_name="_column", value_name="value_text")
        mapping = pl.DataFrame({"_column": list(c.bodies), "body_label": list(c.bodies.values())})
        long = long.join(mapping, on="_column", how="left")
    elif source.layout == "wide_indicators":
        ids = frame.select("_row", year, _const_or_col(frame, c.body, source.body, "body_label"), unit,
                           *[pl.col(h) for h in c.indicators])
        long = ids.unpivot(index=["_row", "year_text", "body_label", "unit_text"], on=list(c.indicators),
                           variable_name="_column", value_name="value_text")
        mapping = pl.DataFrame({"_column": list(c.indicators), "indicator_label": list(c.indicators.values())})
        long = long.join(mapping, on="_column", how="left")
    else:
        assert c.value
        long = frame.select(
            "_row",
            pl.lit(c.value).alias("_column"),
            _const_or_col(frame, c.body, source.body, "body_label"),
            year,
            _const_or_col(frame, c.indicator, None, "indicator_label"),
            pl.col(c.value).cast(pl.String).alias("value_text"),
            unit,
        )
    return long.select(LONG_COLUMNS).sort("_row", "_column", maintain_order=True)

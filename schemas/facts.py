"""Rules shared by every indicator-fact dataset.

Ranges are data: each indicator's ``min_value``/``max_value`` in ``data/reference/indicators.csv``
(percentages 0-100, payroll funds 0 and up) travel with the rows, so a new indicator brings its own
range as a row, and one check enforces them all.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas.screen import MAX_YEAR, MIN_YEAR

__all__ = ["MAX_YEAR", "MIN_YEAR", "IndicatorFacts"]


class IndicatorFacts(pa.DataFrameModel):
    """One value per body, year and indicator, within the indicator's registered range."""

    row_number: int = pa.Field(nullable=False)
    body_code: str = pa.Field(nullable=False)
    year: int = pa.Field(ge=MIN_YEAR, le=MAX_YEAR)
    indicator: str = pa.Field(nullable=False)
    value: float = pa.Field(nullable=False)
    unit: str
    min_value: float = pa.Field(nullable=True)
    max_value: float = pa.Field(nullable=True)

    @pa.dataframe_check
    def value_within_registered_range(cls, data: pa.PolarsData) -> pl.LazyFrame:
        v = pl.col("value")
        return data.lazyframe.select(
            (pl.col("min_value").is_null() | (v >= pl.col("min_value")))
            & (pl.col("max_value").is_null() | (v <= pl.col("max_value")))
        )

    class Config:
        unique = ["body_code", "year", "indicator"]
        strict = "filter"

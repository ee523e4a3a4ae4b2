"""``staging.macro``: yearly macro series (inflation, %) used to index standard-mode costs."""

from __future__ import annotations

import pandera.polars as pa

from schemas.screen import MACRO_MAX, MACRO_MIN, MAX_YEAR, MIN_YEAR, SERIES_PATTERN


class Macro(pa.DataFrameModel):
    row_number: int = pa.Field(nullable=False)
    series: str = pa.Field(str_matches=SERIES_PATTERN)
    year: int = pa.Field(ge=MIN_YEAR, le=MAX_YEAR)
    value: float = pa.Field(ge=MACRO_MIN, le=MACRO_MAX)  # why these bounds: schemas/screen.py
    unit: str

    class Config:
        unique = ["series", "year"]
        strict = "filter"

"""``staging.macro``: yearly macro series (inflation, %) used to index standard-mode costs."""

from __future__ import annotations

import pandera.polars as pa

from schemas.facts import MAX_YEAR, MIN_YEAR


class Macro(pa.DataFrameModel):
    row_number: int = pa.Field(nullable=False)
    series: str = pa.Field(str_matches=r"^[a-z0-9_]+$")
    year: int = pa.Field(ge=MIN_YEAR, le=MAX_YEAR)
    # Kazakhstan's worst year on record (1992-1994) ran to four digits; -50 guards sign errors.
    value: float = pa.Field(ge=-50, le=5000)
    unit: str

    class Config:
        unique = ["series", "year"]
        strict = "filter"

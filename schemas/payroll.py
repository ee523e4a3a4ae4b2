"""``staging.payroll``: payroll fund (mln USD, mln KZT), net turnover of staff and bonus share (%), headcount (persons)."""

from __future__ import annotations

import pandera.polars as pa

from schemas.facts import IndicatorFacts
from schemas.screen import UNITS


class Payroll(IndicatorFacts):
    """Funds are never negative and turnover is a percentage (both bounded by the registry ranges)."""

    unit: str = pa.Field(isin=UNITS["payroll"])

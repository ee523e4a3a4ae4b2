"""``staging.payroll``: payroll fund (mln USD, mln KZT) and net turnover of staff (%)."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas.facts import IndicatorFacts


class Payroll(IndicatorFacts):
    @pa.dataframe_check(name="payroll fund and turnover are not negative")
    def non_negative(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("value") >= 0)

    @pa.dataframe_check(name="net turnover within 0-100 %")
    def turnover_percentage(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select((pl.col("indicator") != "net_turnover") | pl.col("value").is_between(0, 100))

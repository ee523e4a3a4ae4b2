"""``staging.public_services_monitoring``: quality of public services delivery (%)."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas.facts import IndicatorFacts


class PublicServicesMonitoring(IndicatorFacts):
    @pa.dataframe_check(name="percentage within 0-100")
    def percentage(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("value").is_between(0, 100))

"""``staging.evaluation_center``: the Evaluation Center's annual effectiveness assessment (all %)."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas.facts import IndicatorFacts


class EvaluationCenter(IndicatorFacts):
    @pa.dataframe_check(name="percentage within 0-100")
    def percentage(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("value").is_between(0, 100))

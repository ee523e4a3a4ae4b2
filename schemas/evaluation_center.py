"""``staging.evaluation_center``: the Evaluation Center's annual effectiveness assessment (all %)."""

from __future__ import annotations

import pandera.polars as pa

from schemas.facts import IndicatorFacts
from schemas.screen import UNITS


class EvaluationCenter(IndicatorFacts):
    """Assessment blocks are scores in percent; the registered range (0-100) bounds them."""

    unit: str = pa.Field(isin=UNITS["evaluation_center"])

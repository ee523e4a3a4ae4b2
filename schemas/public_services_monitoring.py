"""``staging.public_services_monitoring``: quality of public services delivery (%)."""

from __future__ import annotations

import pandera.polars as pa

from schemas.facts import IndicatorFacts
from schemas.screen import UNITS


class PublicServicesMonitoring(IndicatorFacts):
    """Monitoring results are percentages, or scores out of 5 (public_services_score_5); the registered ranges bound them."""

    unit: str = pa.Field(isin=UNITS["public_services_monitoring"])

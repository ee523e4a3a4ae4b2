"""``staging.public_services_monitoring``: quality of public services delivery (%)."""

from __future__ import annotations

import pandera.polars as pa

from schemas.facts import IndicatorFacts


class PublicServicesMonitoring(IndicatorFacts):
    """Monitoring scores are percentages; the registered range (0-100) bounds them."""

    unit: str = pa.Field(isin=["%"])

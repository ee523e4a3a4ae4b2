"""``staging.targets``: forecast / target values per body, year and indicator (thesis Tables 23-24)."""

from __future__ import annotations

from schemas.facts import IndicatorFacts


class Targets(IndicatorFacts):
    """Targets obey the same registered ranges as the facts they aim at."""

"""Alert-rule inputs written as a few rows: what the alert glue reads from mart.indicator_values.

Shared by the rule tests (tests/alerts/test_alerts_rules.py) and the series-break tests
(tests/analysis/test_series_breaks.py), so a test module never imports another test module.
"""

from __future__ import annotations

import polars as pl

from pilotwatch.alerts.config import IndicatorTurnedNegative
from transforms.alerts import rules

#: indicator -> (name, factor, role, direction), as the registry has them.
IND = {
    "goal_achievement": ("Goal achievement", "Strategy", "effect", "higher_is_better"),
    "net_turnover": ("Net turnover", "Human Capital", "effect", "lower_is_better"),
    "payroll_fund_musd": ("Budget of Payroll Fund", "Resources", "cost", "lower_is_better"),
}


def values(rows: list[tuple[str, str, int, float]], kind: str = "body") -> pl.DataFrame:
    """``(body, indicator, year, value)`` rows as the glue reads them from mart.indicator_values."""
    recs = []
    for body, ind, year, value in rows:
        name, factor, role, direction = IND[ind]
        recs.append({"body_code": body, "body_name": body.upper(), "body_kind": kind, "year": year, "factor": factor,
                     "indicator": ind, "indicator_name": name, "role": role, "value": value,
                     "unit": "mln USD" if role == "cost" else "%", "direction": direction, "load_id": 7,
                     "source_uri": "/data/x.csv"})
    return pl.DataFrame(recs).select(rules.VALUE_COLUMNS)


#: An indicator_turned_negative rule with floors, a critical level and a turnover override.
ITN = IndicatorTurnedNegative(relative_floor=0.01, absolute_floor=1.0, critical={"relative": 0.05},
                              overrides={"net_turnover": {"relative_floor": 0.05, "absolute_floor": 0.2}})

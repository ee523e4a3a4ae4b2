"""The alert rules' parameters, as written under ``rules:`` in ``data/monitoring.yaml`` (pure).

They live beside the rules that read them (``transforms.alerts``) so the rules stay free of the
warehouse and the orchestrator; ``pilotwatch.alerts.config`` validates the whole file with them.
Strict: an unknown or misspelt key is an error, never silently ignored.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

RULES = ("indicator_turned_negative", "factor_flipped", "verdict_changed", "behind_target", "stale_data")
Severity = Literal["info", "warning", "critical"]
SEVERITIES: tuple[str, ...] = ("info", "warning", "critical")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Floors(Strict):
    """A change must reach *both* floors to count (noise below either never pages anyone)."""

    #: Share of the reference value (0.02 = 2 %).
    relative_floor: float = Field(0.0, ge=0)
    #: In the indicator's own unit (percentage points for % indicators).
    absolute_floor: float = Field(0.0, ge=0)


class Escalation(Strict):
    """When a finding is ``critical`` instead of the rule's severity (either threshold suffices)."""

    relative: float | None = Field(None, ge=0)
    absolute: float | None = Field(None, ge=0)


class FloorRule(Floors):
    """A level rule comparing values with floors: its severity, escalation and per-indicator floors."""

    enabled: bool = True
    severity: Severity = "warning"
    critical: Escalation = Field(default_factory=Escalation)
    #: Per-indicator floors (e.g. net turnover moves in tenths of a point).
    overrides: dict[str, Floors] = Field(default_factory=dict)

    def floors(self, indicator: str) -> Floors:
        return self.overrides.get(indicator, self)


class IndicatorTurnedNegative(FloorRule):
    #: Indicator roles watched (core.indicators.role); cost and context indicators are off by default.
    roles: list[Literal["effect", "mediator", "cost", "context"]] = Field(
        default_factory=lambda: ["effect", "mediator"], min_length=1
    )
    #: ``body`` = pilot and other state bodies; ``peer_group`` = the published averages.
    body_kinds: list[Literal["body", "peer_group"]] = Field(default_factory=lambda: ["body"], min_length=1)


class BehindTarget(FloorRule):
    pass


class FactorFlipped(Strict):
    enabled: bool = True
    severity: Severity = "warning"
    #: The factor-effect rule watched (``mart.factor_effects.rule``).
    analysis_rule: str = "endpoint"
    #: The analysis configuration watched, when the analysis publishes several.
    analysis_configuration: str = "default"


class VerdictChanged(Strict):
    enabled: bool = True
    severity: Severity = "critical"
    #: The verdict rule watched (``mart.verdicts.rule``).
    analysis_rule: str = "endpoint"
    analysis_configuration: str = "default"
    #: Grade bands from worst to best (the Evaluation Center's scale, thesis section 1.3.3).
    grade_bands: list[str] = Field(
        default_factory=lambda: ["inefficient", "low", "average", "high"], min_length=2
    )
    grade_severity: Severity = "warning"


def _years(v: object) -> object:
    """``2021``, ``[2021, 2022]`` or ``"2021-2024"``."""
    if isinstance(v, int):
        return [v]
    if isinstance(v, str):
        lo, _, hi = v.partition("-")
        return list(range(int(lo), int(hi or lo) + 1))
    return v


class Expectation(Strict):
    """A dataset expected for some years, each by a date.

    Either ``by`` (a date; for a single year) or ``by_month_day`` (``"06-30"``) with
    ``years_after`` (default 1): year Y is due on that day of year Y + years_after.
    """

    dataset: Literal["evaluation_center", "public_services_monitoring", "payroll", "macro", "targets"]
    years: list[int]
    by: date | None = None
    by_month_day: str | None = Field(None, pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")
    years_after: int = Field(1, ge=0, le=5)
    #: Bodies that must each have the dataset; empty: any row for the year will do.
    bodies: list[str] = Field(default_factory=list)

    @field_validator("years", mode="before")
    @classmethod
    def _coerce_years(cls, v: object) -> object:
        return _years(v)

    @model_validator(mode="after")
    def _one_deadline(self) -> Expectation:
        if (self.by is None) == (self.by_month_day is None):
            raise ValueError(f"expected {self.dataset}: give exactly one of 'by' (a date) or 'by_month_day'")
        if self.by is not None and len(self.years) != 1:
            raise ValueError(f"expected {self.dataset}: 'by' fits one year; use 'by_month_day' for {self.years}")
        return self

    def due(self) -> list[tuple[int, date]]:
        if self.by is not None:
            return [(self.years[0], self.by)]
        assert self.by_month_day
        month, day = (int(x) for x in self.by_month_day.split("-"))
        return [(y, date(y + self.years_after, month, day)) for y in self.years]


class StaleData(Strict):
    enabled: bool = True
    severity: Severity = "warning"
    expected: list[Expectation] = Field(default_factory=list)


class Rules(Strict):
    indicator_turned_negative: IndicatorTurnedNegative = Field(default_factory=IndicatorTurnedNegative)
    factor_flipped: FactorFlipped = Field(default_factory=FactorFlipped)
    verdict_changed: VerdictChanged = Field(default_factory=VerdictChanged)
    behind_target: BehindTarget = Field(default_factory=BehindTarget)
    stale_data: StaleData = Field(default_factory=StaleData)

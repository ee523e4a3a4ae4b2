"""Named analysis configurations (``data/analysis.yaml``), validated strictly.

A configuration fixes every choice the thesis leaves open or makes implicitly: the base year, where
inflation comes from (a loaded macro series or a constant %), rounding, the default factor-effect
rule, the peer group, how the cost side enters the verdict. Unknown or misspelt keys are errors, so a
typo never silently falls back to a default. ``extends: NAME`` merges a configuration over another.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from pilotwatch import DATA_DIR

DEFAULT_PATH = DATA_DIR / "analysis.yaml"

#: Every factor-effect rule pilotwatch computes (docs/analysis.md explains each one).
RULES = ("endpoint", "pilot_window", "first_pilot_step", "no_decline", "vs_peer", "gain_vs_peer")
Rule = Literal["endpoint", "pilot_window", "first_pilot_step", "no_decline", "vs_peer", "gain_vs_peer"]


class AnalysisConfigError(ValueError):
    """The analysis configuration file is malformed or names an unknown configuration."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Inflation(_Strict):
    """Where standard-mode costs get their inflation: a loaded series or a constant rate."""

    series: str | None = None
    constant_pct: float | None = Field(None, ge=-50, le=500)

    @model_validator(mode="after")
    def _exactly_one(self) -> Inflation:
        if (self.series is None) == (self.constant_pct is None):
            raise ValueError("inflation: give exactly one of 'series' (a macro series name) or 'constant_pct'")
        return self

    def label(self) -> str:
        return f"series {self.series}" if self.series else f"constant {self.constant_pct:g} % a year"


class Rounding(_Strict):
    #: Round the standard-mode cost to this step (mln USD) before dividing; null keeps full precision.
    standard_cost_step: float | None = Field(None, gt=0)
    #: Round the CER to this many decimals; null keeps full precision.
    cer_decimals: int | None = Field(None, ge=0, le=12)


class Effects(_Strict):
    default_rule: Rule = "endpoint"
    rules: list[Rule] = Field(default_factory=lambda: list(RULES), min_length=1)
    #: ``registry``: each body's peer group in core.bodies; otherwise the code of one peer body for all.
    peer_group: str = "registry"

    @model_validator(mode="after")
    def _default_is_computed(self) -> Effects:
        if self.default_rule not in self.rules:
            raise ValueError(f"effects: default_rule {self.default_rule!r} is not in rules {self.rules}")
        if len(set(self.rules)) != len(self.rules):
            raise ValueError("effects: rules has duplicates")
        return self


class Verdict(_Strict):
    #: ``veto``: H0 also needs the CER test to favour the pilot; ``report``: the cost side is shown only.
    cost_side: Literal["veto", "report"] = "veto"
    #: Which years of formula (2) decide the cost side: the last one, or every year after the base year.
    cost_years: Literal["last", "every"] = "last"


class Bands(_Strict):
    """Lower bounds of the Evaluation Center's grades; below ``low`` is ``inefficient``."""

    high: float = 90
    average: float = 70
    low: float = 50

    @model_validator(mode="after")
    def _ordered(self) -> Bands:
        if not self.high > self.average > self.low:
            raise ValueError("grades.bands: need high > average > low")
        return self

    def as_list(self) -> list[tuple[str, float]]:
        return [("high", self.high), ("average", self.average), ("low", self.low)]


class Grades(_Strict):
    indicator: str = "overall_effectiveness"
    bands: Bands = Field(default_factory=Bands)


class Range(_Strict):
    start: float
    stop: float
    step: float = Field(gt=0)

    @model_validator(mode="after")
    def _sane(self) -> Range:
        if self.stop < self.start:
            raise ValueError("range: stop < start")
        if (self.stop - self.start) / self.step > 1000:
            raise ValueError("range: more than 1000 points")
        return self

    def values(self) -> list[float]:
        n = int(round((self.stop - self.start) / self.step)) + 1
        return [round(self.start + i * self.step, 10) for i in range(n)]


class Sensitivity(_Strict):
    inflation_pct: Range = Field(default_factory=lambda: Range(start=0, stop=10, step=1))
    base_years: Literal["all"] | list[int] = "all"


class Uncertainty(_Strict):
    """Probabilistic sensitivity analysis of the CER (docs/analysis.md, "Uncertainty"): the distributions
    of the uncertain inputs, the number of draws and the seed. Absent from a configuration: not computed."""

    #: Monte Carlo draws per body-year (more: steadier probabilities; 2,000 gives +-1.1 points at 50 %).
    draws: int = Field(2000, ge=100, le=200_000)
    #: The draws are a function of the seed (and body code, year): the same seed gives the same figures.
    seed: int = Field(20210101, ge=0, lt=2**63)
    #: SD of each published effectiveness score, percentage points (normal around the published value).
    score_sd: float = Field(1.0, ge=0, le=20)
    #: Payroll fund: uniform within +- this share of the published value (0: exact).
    fund_share: float = Field(0.02, ge=0, lt=1)
    #: Constant yearly inflation, uniform over [lo, hi] % (common to every body in a draw); null keeps the
    #: configured inflation source exact.
    inflation_pct: tuple[float, float] | None = (3.0, 7.5)
    #: Willingness to pay per percentage point, mln USD: the acceptability curve's grid.
    wtp: Range = Field(default_factory=lambda: Range(start=0, stop=25, step=0.5))

    @model_validator(mode="after")
    def _sane(self) -> Uncertainty:
        if self.inflation_pct is not None:
            lo, hi = self.inflation_pct
            if not -50 <= lo <= hi <= 500:
                raise ValueError(f"uncertainty.inflation_pct: need -50 <= lo <= hi <= 500, got [{lo}, {hi}]")
        if self.wtp.start < 0:
            raise ValueError("uncertainty.wtp: willingness to pay cannot be negative")
        return self


class Money(_Strict):
    """How CER amounts are expressed (transforms/analysis/money.py; docs/analysis.md "Money over time").

    The defaults (nominal, USD, no discounting) leave every amount as published.
    """

    #: ``nominal`` (each year's own prices, converted at that year's rate) or a year whose prices costs are deflated to.
    price_year: Literal["nominal"] | int = "nominal"
    currency: Literal["USD", "KZT"] = "USD"
    #: Yearly discount rate, %; 0 does not discount.
    discount_rate_pct: float = Field(0.0, ge=0, le=100)
    #: Year costs are discounted to: ``base_year`` (each body's CER base year) or a year.
    discount_base_year: Literal["base_year"] | int = "base_year"
    #: core.macro_series names: the CPI inflation deflating to the price year, the KZT-per-USD rate.
    deflator: str = "cpi_inflation_pct"
    exchange_rate: str = "usd_kzt"


class AnalysisConfig(_Strict):
    """One named configuration, fully resolved (``extends`` already merged)."""

    name: str
    description: str = ""
    effectiveness_indicator: str = "overall_effectiveness"
    cost_indicator: str = "payroll_fund_musd"
    base_year: Literal["year_before_pilot"] | int = "year_before_pilot"
    end_year: Literal["latest"] | int = "latest"
    value_basis: list[Literal["published", "derived"]] = Field(
        default_factory=lambda: ["published", "derived"], min_length=1
    )
    inflation: Inflation
    rounding: Rounding = Field(default_factory=Rounding)
    effects: Effects = Field(default_factory=Effects)
    verdict: Verdict = Field(default_factory=Verdict)
    grades: Grades = Field(default_factory=Grades)
    sensitivity: Sensitivity = Field(default_factory=Sensitivity)
    uncertainty: Uncertainty | None = None
    money: Money = Field(default_factory=Money)

    def parameters(self) -> dict[str, Any]:
        """Everything that determines a run's results (recorded with the run)."""
        return self.model_dump(mode="json")


class _File(_Strict):
    version: Literal[1] = 1
    configurations: dict[str, dict[str, Any]]


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _resolve(raw: dict[str, dict[str, Any]], name: str, seen: tuple[str, ...] = ()) -> dict[str, Any]:
    if name not in raw:
        raise AnalysisConfigError(f"unknown analysis configuration {name!r}; known: {', '.join(sorted(raw))}")
    if name in seen:
        raise AnalysisConfigError(f"analysis configuration {name!r}: 'extends' cycle {' -> '.join((*seen, name))}")
    spec = dict(raw[name] or {})
    parent = spec.pop("extends", None)
    if parent is None:
        return spec
    return _merge(_resolve(raw, str(parent), (*seen, name)), spec)


def _read(path: Path) -> _File:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise AnalysisConfigError(f"analysis configuration {path}: cannot read: {exc}") from exc
    try:
        return _File.model_validate(raw)
    except ValueError as exc:
        raise AnalysisConfigError(f"analysis configuration {path}: {exc}") from exc


def configuration_names(path: str | os.PathLike[str] | None = None) -> list[str]:
    return sorted(_read(Path(path) if path else DEFAULT_PATH).configurations)


def load_analysis_config(name: str = "default", path: str | os.PathLike[str] | None = None) -> AnalysisConfig:
    """The configuration ``name`` from ``path`` (default ``data/analysis.yaml``), strictly validated."""
    p = Path(path) if path else DEFAULT_PATH
    spec = _resolve(_read(p).configurations, name)
    try:
        return AnalysisConfig.model_validate({**spec, "name": name})
    except ValueError as exc:
        raise AnalysisConfigError(f"analysis configuration {p} [{name}]: {exc}") from exc


def load_all(path: str | os.PathLike[str] | None = None) -> dict[str, AnalysisConfig]:
    """Every configuration in the file (validates them all: used by tests and ``analyse --check``)."""
    return {n: load_analysis_config(n, path) for n in configuration_names(path)}


#: The modules whose code decides an analysis run's figures (``code_version``).
_CODE_PACKAGES = ("transforms.analysis", "pilotwatch.analysis")


def code_version() -> str:
    """pilotwatch's version and a digest of the analysis code, stored with every run.

    A refresh skips the analysis when nothing it reads changed (``pilotwatch.refresh.analysis_current``);
    the code is one of the things it reads: after an upgrade that changes how a figure is computed, the
    stored results are no longer what recomputing would write, although the data and the configuration
    are the same. Hashing the source files (a dozen small ones, about a millisecond) catches that without
    importing the computation, and a development checkout's edits count as well as a release's version.
    """
    import hashlib
    import importlib.util

    from pilotwatch import __version__

    digest = hashlib.sha256()
    for package in _CODE_PACKAGES:
        spec = importlib.util.find_spec(package)
        folders = spec.submodule_search_locations if spec is not None else None
        for folder in sorted(folders or []):
            for path in sorted(Path(folder).glob("*.py")):
                digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return f"{__version__}+{digest.hexdigest()[:16]}"

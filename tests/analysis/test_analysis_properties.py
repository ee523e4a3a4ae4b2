"""Properties (hypothesis) of the rules, the verdict and the CER."""

from __future__ import annotations

import polars as pl
import pytest
from analysis_frames import BODIES, INDICATORS, YEARS, cell, facts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pilotwatch import analysis
from pilotwatch.analysis.config import Inflation, load_analysis_config
from pilotwatch.registry import read_reference
from transforms.analysis.cer import CerParams, cer_table
from transforms.analysis.effects import indicator_effects
from transforms.analysis.windows import pilot_windows

PROPS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
value = st.floats(min_value=0.0, max_value=100.0, allow_nan=False, allow_infinity=False)


def _endpoint_effect(series: list[float]) -> str:
    f = facts({"x": {"b": series}})
    return cell(indicator_effects(pilot_windows(BODIES, f), INDICATORS, f, ["endpoint"]),
                body_code="b", indicator="x", rule="endpoint")["effect"]


@PROPS
@given(series=st.lists(value, min_size=4, max_size=4), raise_by=st.floats(min_value=0.0, max_value=50.0))
def test_raising_a_higher_is_better_indicator_in_the_last_year_never_makes_endpoint_negative(
    series: list[float], raise_by: float
) -> None:
    before = _endpoint_effect(series)
    after = _endpoint_effect([*series[:3], series[3] + raise_by])
    assert not (before == "positive" and after == "negative")
    if after == "negative":
        assert before == "negative"


REFERENCE = read_reference()
REAL_INDICATORS = REFERENCE["indicators"].select("indicator", "factor", "role", "direction")


@st.composite
def improving_body(draw: st.DrawFn) -> pl.DataFrame:
    """Facts for acsa where every indicator improves every year (direction-aware), payroll included."""
    rows = []
    for ind, direction in REAL_INDICATORS.select("indicator", "direction").iter_rows():
        start = draw(st.floats(min_value=20.0, max_value=60.0))
        steps = draw(st.lists(st.floats(min_value=0.1, max_value=5.0), min_size=3, max_size=3))
        sign = 1.0 if direction == "higher_is_better" else -1.0
        values = [start]
        for s in steps:
            values.append(values[-1] + sign * s)
        rows += [{"body_code": "acsa", "year": y, "indicator": ind, "value": v, "basis": "published", "load_id": 1}
                 for y, v in zip(YEARS, values, strict=True)]
    return pl.DataFrame(rows, schema={"body_code": pl.String, "year": pl.Int64, "indicator": pl.String,
                                      "value": pl.Float64, "basis": pl.String, "load_id": pl.Int64})


@PROPS
@given(f=improving_body(), inflation=st.floats(min_value=0.0, max_value=15.0))
def test_a_body_whose_every_indicator_improves_gets_h0_under_endpoint(f: pl.DataFrame, inflation: float) -> None:
    cfg = load_analysis_config("default").model_copy(update={"inflation": Inflation(constant_pct=inflation)})
    inputs = analysis.Inputs(
        facts=f, bodies=REFERENCE["bodies"], indicators=REAL_INDICATORS,
        inflation=pl.DataFrame(schema={"year": pl.Int64, "pct": pl.Float64, "load_id": pl.Int64}),
    )
    res = analysis.compute(inputs, cfg)
    assert cell(res.decisions, body_code="acsa", rule="endpoint")["verdict"] == "H0"
    for hyp, supported in (("H0", True), ("H1", False)):
        assert cell(res.verdicts, body_code="acsa", rule="endpoint", hypothesis=hyp)["supported"] is supported


@PROPS
@given(
    pay=st.lists(st.floats(min_value=0.1, max_value=100.0), min_size=4, max_size=4),
    eff=st.lists(st.floats(min_value=1.0, max_value=100.0), min_size=4, max_size=4),
    k=st.floats(min_value=0.01, max_value=100.0),
    inflation=st.floats(min_value=-5.0, max_value=20.0),
)
def test_cer_scales_linearly_with_cost(pay: list[float], eff: list[float], k: float, inflation: float) -> None:
    params = CerParams("x", "pay", constant_pct=inflation)

    def cers(p: list[float]) -> pl.DataFrame:
        f = facts({"x": {"b": eff}, "pay": {"b": p}})
        t = cer_table(pilot_windows(BODIES, f), f, params)
        return t.filter((pl.col("body_code") == "b") & pl.col("in_test")).sort("year", "mode")

    base, scaled = cers(pay), cers([v * k for v in pay])
    assert scaled["cer"].to_list() == pytest.approx([c * k for c in base["cer"].to_list()], rel=1e-9)


def test_cer_scales_linearly_for_tiny_costs() -> None:
    """The counterexample hypothesis once found: costs of a few thousand USD lost linearity to an
    absolute rounding of the standard-mode cost."""
    test_cer_scales_linearly_with_cost.hypothesis.inner_test(  # type: ignore[attr-defined]
        pay=[0.1, 0.1, 0.1, 0.1], eff=[1.0, 1.0, 1.0, 1.0], k=0.01, inflation=3.3
    )

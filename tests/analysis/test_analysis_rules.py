"""Factor-effect rules on frames of a few rows, against expectations worked out by hand."""

from __future__ import annotations

import polars as pl
import pytest
from analysis_frames import BODIES, INDICATORS, SERIES, cell, facts

from transforms.analysis.effects import RULES, factor_effects, indicator_effects
from transforms.analysis.windows import pilot_windows, select_basis


def _effects(series: dict | None = None, bodies: pl.DataFrame = BODIES, **window_opts: object) -> pl.DataFrame:
    f = facts(series)
    return indicator_effects(pilot_windows(bodies, f, **window_opts), INDICATORS, f)


# x (higher is better): b 50, 60, 55, 58; peer 40, 45, 50, 57 (2017..2020; pilot from 2018, base 2017)
# t (lower is better):  b 6, 4, 5, 3;     peer 5, 5, 5, 2
@pytest.mark.parametrize(
    ("indicator", "rule", "margin", "effect", "years"),
    [
        ("x", "endpoint", 8.0, "positive", (2017, 2020)),          # 58 - 50
        ("x", "pilot_window", -2.0, "negative", (2018, 2020)),     # 58 - 60
        ("x", "first_pilot_step", -5.0, "negative", (2018, 2019)),  # 55 - 60
        ("x", "no_decline", -5.0, "negative", (2018, 2019)),       # steps -5, +3: the worst decides
        ("x", "vs_peer", 1.0, "positive", (2020, 2020)),           # 58 - 57
        ("x", "gain_vs_peer", -9.0, "negative", (2017, 2020)),     # (58 - 50) - (57 - 40)
        ("t", "endpoint", 3.0, "positive", (2017, 2020)),          # -(3 - 6): turnover fell
        ("t", "pilot_window", 1.0, "positive", (2018, 2020)),      # -(3 - 4)
        ("t", "first_pilot_step", -1.0, "negative", (2018, 2019)),  # -(5 - 4): turnover rose
        ("t", "no_decline", -1.0, "negative", (2018, 2019)),       # steps -1, +2
        ("t", "vs_peer", -1.0, "negative", (2020, 2020)),          # -(3 - 2): above the peers' turnover
        ("t", "gain_vs_peer", 0.0, "positive", (2017, 2020)),      # -((3 - 6) - (2 - 5)) = 0: no decline
    ],
)
def test_each_rule_by_hand(indicator: str, rule: str, margin: float, effect: str, years: tuple[int, int]) -> None:
    row = cell(_effects(), body_code="b", indicator=indicator, rule=rule)
    assert row["status"] == "ok" and row["missing"] == []
    assert row["margin"] == pytest.approx(margin, abs=1e-12)
    assert row["effect"] == effect
    assert (row["from_year"], row["to_year"]) == years


def test_rows_carry_their_inputs_and_say_why() -> None:
    e = _effects()
    row = cell(e, body_code="b", indicator="x", rule="endpoint")
    assert row["inputs"] == [{"body_code": "b", "year": 2017, "value": 50.0}, {"body_code": "b", "year": 2020, "value": 58.0}]
    assert "b 2017=50.0, b 2020=58.0" in row["explanation"] and "-> positive" in row["explanation"]
    peer = cell(e, body_code="b", indicator="x", rule="gain_vs_peer")
    assert peer["peer_code"] == "p"
    assert {(i["body_code"], i["year"]) for i in peer["inputs"]} == {("b", 2017), ("b", 2020), ("p", 2017), ("p", 2020)}
    steps = cell(e, body_code="b", indicator="x", rule="no_decline")
    assert [i["year"] for i in steps["inputs"]] == [2018, 2019, 2020]


def test_a_factor_is_positive_only_if_all_its_indicators_are() -> None:
    # C = c1 (b: 10, 20, 30, 40 - always better) and c2 (b: 10, 20, 30, 25; peer 30 every year)
    fe = factor_effects(_effects())
    expected = {"endpoint": "positive", "pilot_window": "positive", "first_pilot_step": "positive",
                "no_decline": "negative", "vs_peer": "negative", "gain_vs_peer": "positive"}
    for rule, effect in expected.items():
        row = cell(fe, body_code="b", factor="C", rule=rule)
        assert row["effect"] == effect, rule
        assert row["n_indicators"] == 2
        assert row["negative_indicators"] == ([] if effect == "positive" else ["c2"])
        assert {i["indicator"] for i in row["inputs"]} == {"c1", "c2"}
    assert set(fe.filter(pl.col("body_code") == "b")["factor"]) == {"F", "T", "C"}  # Resources is the cost side


def test_missing_values_give_insufficient_data_with_what_is_missing() -> None:
    series = {k: {b: list(v) for b, v in per.items()} for k, per in SERIES.items()}
    series["x"]["b"][3] = None  # no 2020 value for x
    e = _effects(series)
    end = cell(e, body_code="b", indicator="x", rule="endpoint")
    assert end["status"] == "insufficient_data" and end["effect"] is None and end["margin"] is None
    assert end["missing"] == ["x 2020 (b)"]
    assert cell(e, body_code="b", indicator="x", rule="first_pilot_step")["effect"] == "negative"  # 2018-2019 only
    # A negative indicator decides a factor even when another is missing; otherwise it is insufficient.
    series["c1"]["b"][3] = None
    fe = factor_effects(_effects(series))
    assert cell(fe, body_code="b", factor="C", rule="vs_peer")["effect"] == "negative"  # c2 below the peers
    c_end = cell(fe, body_code="b", factor="C", rule="endpoint")
    assert c_end["status"] == "insufficient_data" and c_end["missing"] == ["c1 2020 (b)"]


def test_bodies_without_a_window_are_listed_not_dropped() -> None:
    e = _effects()
    for rule in RULES:
        no_start = cell(e, body_code="nostart", indicator="x", rule=rule)
        assert no_start["status"] == "insufficient_data"
        assert "pilot_start_year (core.bodies)" in no_start["missing"]
        assert "any indicator value (mart.indicator_values)" in cell(e, body_code="nodata", indicator="x", rule=rule)["missing"]
    assert "p" not in e["body_code"].to_list()  # peer groups are compared with, not judged


def test_peer_rules_need_a_peer_group() -> None:
    bodies = BODIES.with_columns(peer_group=pl.lit(None, dtype=pl.String))
    e = _effects(bodies=bodies)
    for rule in ("vs_peer", "gain_vs_peer"):
        row = cell(e, body_code="b", indicator="x", rule=rule)
        assert row["missing"] == ["a peer group (core.bodies.peer_group)"]
    assert cell(e, body_code="b", indicator="x", rule="endpoint")["status"] == "ok"


def test_one_peer_for_every_body_and_fixed_windows() -> None:
    f = facts()
    w = pilot_windows(BODIES, f, base_year=2018, end_year=2019, peer_group="p")
    assert cell(w, body_code="b")["base_year"] == 2018 and cell(w, body_code="b")["end_year"] == 2019
    e = indicator_effects(w, INDICATORS, f)
    assert cell(e, body_code="b", indicator="x", rule="endpoint")["margin"] == pytest.approx(-5.0)  # 55 - 60
    # 2018 is both base year and pilot start: endpoint and first_pilot_step coincide here
    assert cell(e, body_code="b", indicator="x", rule="first_pilot_step")["margin"] == pytest.approx(-5.0)
    short = pilot_windows(BODIES, f, end_year=2018)
    row = cell(indicator_effects(short, INDICATORS, f), body_code="b", indicator="x", rule="pilot_window")
    assert row["missing"] == ["a pilot year after 2018"]


def test_select_basis_prefers_the_configured_order() -> None:
    f = pl.DataFrame({"body_code": ["b", "b", "b"], "year": [2020, 2020, 2019], "indicator": ["x"] * 3,
                      "value": [1.0, 2.0, 3.0], "basis": ["published", "derived", "derived"]})
    assert select_basis(f, ["published", "derived"]).sort("year")["value"].to_list() == [3.0, 1.0]
    assert select_basis(f, ["derived", "published"]).sort("year")["value"].to_list() == [3.0, 2.0]
    assert select_basis(f, ["published"])["value"].to_list() == [1.0]


def test_unknown_rule_is_an_error() -> None:
    f = facts()
    with pytest.raises(ValueError, match="unknown effect rules"):
        indicator_effects(pilot_windows(BODIES, f), INDICATORS, f, ["endpoint", "trend"])

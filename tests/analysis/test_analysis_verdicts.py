"""Verdicts (H0/H1 with the cost side), robustness across rules, and the Evaluation Center's grades."""

from __future__ import annotations

import polars as pl
import pytest
from analysis_frames import cell

from transforms.analysis.grades import grades
from transforms.analysis.verdicts import decide, hypothesis_rows, robustness

_LIST = pl.List(pl.String)


def _factors(effects: dict[tuple[str, str, str], str | None]) -> pl.DataFrame:
    """(body, rule, factor) -> effect (None: insufficient data)."""
    return pl.DataFrame(
        [{"body_code": b, "rule": r, "factor": f, "effect": e, "missing": [] if e else [f"{f} 2020 ({b})"]}
         for (b, r, f), e in effects.items()],
        schema={"body_code": pl.String, "rule": pl.String, "factor": pl.String, "effect": pl.String, "missing": _LIST},
    )


def _cost(tests: dict[str, str | None]) -> pl.DataFrame:
    return pl.DataFrame(
        [{"body_code": b, "cost_test": t, "cost_years": [2020], "cost_years_pilot_costlier": [2020] if t == "pilot_costlier" else [],
          "cost_missing": [] if t else ["payroll_fund_musd 2020"]} for b, t in tests.items()],
        schema={"body_code": pl.String, "cost_test": pl.String, "cost_years": pl.List(pl.Int32),
                "cost_years_pilot_costlier": pl.List(pl.Int32), "cost_missing": _LIST},
    )


FACTORS = _factors({
    # body a: all positive under r1, Strategy negative under r2
    ("a", "r1", "Leadership"): "positive", ("a", "r1", "Strategy"): "positive",
    ("a", "r2", "Leadership"): "positive", ("a", "r2", "Strategy"): "negative",
    # body c: one factor unknown under r1, a negative one under r2
    ("c", "r1", "Leadership"): None, ("c", "r1", "Strategy"): "positive",
    ("c", "r2", "Leadership"): None, ("c", "r2", "Strategy"): "negative",
})


def test_h1_when_any_factor_is_negative_h0_when_all_positive_and_the_cost_side_agrees() -> None:
    d = decide(FACTORS, _cost({"a": "pilot_not_costlier", "c": "pilot_not_costlier"}), default_rule="r1")
    assert cell(d, body_code="a", rule="r1")["verdict"] == "H0"
    r2 = cell(d, body_code="a", rule="r2")
    assert r2["verdict"] == "H1" and r2["negative_factors"] == ["Strategy"] and r2["reason"] == "negative factors: Strategy"
    # a negative factor decides even though Leadership is unknown; all-positive-but-unknown does not
    assert cell(d, body_code="c", rule="r2")["verdict"] == "H1"
    c1 = cell(d, body_code="c", rule="r1")
    assert c1["verdict"] is None and c1["status"] == "insufficient_data" and c1["missing"] == ["Leadership 2020 (c)"]
    assert cell(d, body_code="a", rule="r1")["is_default_rule"] and not cell(d, body_code="a", rule="r2")["is_default_rule"]


def test_the_cost_side_vetoes_h0_or_is_only_reported() -> None:
    veto = decide(FACTORS, _cost({"a": "pilot_costlier", "c": None}), cost_side="veto")
    a1 = cell(veto, body_code="a", rule="r1")
    assert a1["verdict"] == "H1" and a1["effects_verdict"] == "H0"
    assert a1["reason"] == "all factors positive, but CER(pilot) > CER(standard) in 2020"
    report = decide(FACTORS, _cost({"a": "pilot_costlier", "c": None}), cost_side="report")
    assert cell(report, body_code="a", rule="r1")["verdict"] == "H0"
    # unknown cost side: H0 cannot be confirmed under veto, H1 from a negative factor still stands
    unknown = decide(FACTORS, _cost({"a": None, "c": None}), cost_side="veto")
    a1u = cell(unknown, body_code="a", rule="r1")
    assert a1u["verdict"] is None and a1u["missing"] == ["payroll_fund_musd 2020"]
    assert cell(unknown, body_code="a", rule="r2")["verdict"] == "H1"
    with pytest.raises(ValueError):
        decide(FACTORS, _cost({}), cost_side="ignore")


def test_table21_shape_two_rows_per_body_and_rule() -> None:
    rows = hypothesis_rows(decide(FACTORS, _cost({"a": "pilot_not_costlier", "c": None}), default_rule="r1"))
    assert rows.height == 2 * 2 * 2
    assert cell(rows, body_code="a", rule="r2", hypothesis="H1")["supported"] is True
    assert cell(rows, body_code="a", rule="r2", hypothesis="H0")["supported"] is False
    assert cell(rows, body_code="c", rule="r1", hypothesis="H0")["supported"] is None


def test_robustness_names_the_rules_that_flip_the_verdict() -> None:
    d = decide(FACTORS, _cost({"a": "pilot_not_costlier", "c": "pilot_costlier"}), default_rule="r1")
    rob = robustness(d, "r1")
    a = cell(rob, body_code="a")
    assert a["verdict"] == "H0" and a["holds_under_every_rule"] is False and a["flipping_rules"] == ["r2"]
    assert a["rules_h0"] == ["r1"] and a["rules_h1"] == ["r2"]
    c = cell(rob, body_code="c")  # the cost side makes c H1 under both rules ...
    assert c["verdict"] == "H1" and c["holds_under_every_rule"] is True and c["flipping_rules"] == []
    assert c["effects_verdict"] is None and c["effects_holds_under_every_rule"] is None  # ... the factor side is unknown
    assert cell(robustness(d, "r2"), body_code="a")["flipping_rules"] == ["r1"]


@pytest.mark.parametrize(
    ("value", "grade"),
    [(100.0, "high"), (90.0, "high"), (89.99, "average"), (70.0, "average"), (69.99, "low"), (50.0, "low"),
     (49.99, "inefficient"), (0.0, "inefficient")],
)
def test_grade_bands(value: float, grade: str) -> None:
    f = pl.DataFrame({"body_code": ["b"], "year": [2020], "indicator": ["overall_effectiveness"], "value": [value]})
    assert grades(f)["grade"].to_list() == [grade]


def test_grades_cover_every_body_year_with_the_band() -> None:
    f = pl.DataFrame({"body_code": ["b", "b", "p"], "year": [2019, 2020, 2020],
                      "indicator": ["overall_effectiveness", "overall_effectiveness", "goal_achievement"],
                      "value": [88.3, 67.8, 95.0]})
    g = grades(f)
    assert g.select("year", "grade", "band_from", "band_to").rows() == [(2019, "average", 70.0, 90.0), (2020, "low", 50.0, 70.0)]
    custom = grades(f, "goal_achievement", [("top", 95.0), ("rest", 0.0)])
    assert custom["grade"].to_list() == ["top"]

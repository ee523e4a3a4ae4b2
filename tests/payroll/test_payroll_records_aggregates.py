"""The definitions in ``transforms/payroll/aggregates.py`` on frames of a few rows (pure: no warehouse)."""

from __future__ import annotations

import random
from fractions import Fraction

import polars as pl

from transforms.payroll import aggregates as agg


def summary(**over: object) -> pl.DataFrame:
    row = {"body_code": "b1", "year": 2019, "months_reported": 12, "records": 120, "employees": 11,
           "base_tiyn": 8_000_000_00, "bonus_tiyn": 1_500_000_00, "other_tiyn": 500_000_00, "pay_tiyn": 10_000_000_00,
           "headcount_month_sum": 118, "hires": 1, "leavers": 2, "load_id": 7}
    row.update(over)
    return pl.DataFrame([row])


def test_definitions_on_one_body_year() -> None:
    out = agg.body_year_indicators(summary(), pl.DataFrame({"year": [2019], "usd_kzt": [400.0]})).row(0, named=True)
    assert out["payroll_fund_mkzt"] == 10.0                         # 10,000,000 KZT
    assert out["payroll_fund_musd"] == 0.025                        # / 400 KZT per USD
    assert out["bonus_share"] == 15.0                               # 1,500,000 / 10,000,000 x 100
    assert out["average_headcount"] == float(Fraction(118, 12))     # mean of month-end headcounts
    assert out["net_turnover"] == float(Fraction(2 * 100 * 12, 118))  # leavers / average headcount x 100


def test_no_rate_no_usd_and_empty_denominators_give_null() -> None:
    out = agg.body_year_indicators(summary(pay_tiyn=0, bonus_tiyn=0, headcount_month_sum=0), None).row(0, named=True)
    assert out["payroll_fund_musd"] is None and out["bonus_share"] is None and out["net_turnover"] is None
    assert out["payroll_fund_mkzt"] == 0.0


def test_ratio_is_correctly_rounded() -> None:
    """One IEEE division per value — polars' scalar division (x * 1/d) is not, for about 1 value in 8."""
    rng = random.Random(7)
    a = [rng.randint(1, 10**13) for _ in range(5000)]
    b = [rng.randint(1, 10**9) for _ in range(5000)]
    got = agg.ratio(pl.Series(a), pl.Series(b)).to_list()
    assert got == [float(Fraction(x, y)) for x, y in zip(a, b, strict=True)]
    assert agg.ratio(pl.Series(a), 10**8).to_list() == [float(Fraction(x, 10**8)) for x in a]


def test_indicator_facts_and_peer_groups() -> None:
    sums = pl.concat([summary(body_code="c1"), summary(body_code="l1", pay_tiyn=20_000_000_00),
                      summary(body_code="l2", pay_tiyn=30_000_000_00, load_id=9)])
    aggregates = agg.body_year_indicators(sums, None)
    units = {"payroll_fund_mkzt": "mln KZT", "payroll_fund_musd": "mln USD", "bonus_share": "%",
             "average_headcount": "persons", "net_turnover": "%"}
    facts = agg.indicator_facts(aggregates, units)
    assert facts.filter(pl.col("indicator") == "payroll_fund_musd").is_empty()  # no rate: left out, not zero
    bodies = pl.DataFrame({
        "body_code": ["c1", "l1", "l2", "central_avg", "local_avg", "country_avg"],
        "kind": ["body"] * 3 + ["peer_group"] * 3,
        "level": ["central", "local", "local", "central", "local", "national"],
        "peer_group": ["central_avg", "local_avg", "local_avg", None, None, None],
    })
    peers = agg.peer_group_facts(facts, bodies).filter(pl.col("indicator") == "payroll_fund_mkzt")
    assert peers.select("body_code", "value", "unit", "load_id").rows() == [
        ("central_avg", 10.0, "mln KZT", 7), ("country_avg", 20.0, "mln KZT", 9), ("local_avg", 25.0, "mln KZT", 9)]


def test_pay_gap_per_category_and_scope() -> None:
    medians = pl.DataFrame({
        "year": [2019] * 5, "position_category": ["chief_specialist"] * 4 + ["specialist"],
        "scope": ["all", "all", "pilot", "pilot", "all"], "level": ["central", "local", "central", "local", "central"],
        "employees": [10, 20, 3, 4, 5], "median_kzt": [170_000.0, 100_000.0, 275_000.0, 250_000.0, 90_000.0],
        "load_id": [1] * 5,
    })
    gap = agg.pay_gap(medians, pl.DataFrame({"year": [2019], "usd_kzt": [382.75]}))
    assert gap.select("position_category", "scope", "gap_pct").rows() == [
        ("chief_specialist", "all", 70.0),      # the thesis' 70 % before the pilot
        ("chief_specialist", "pilot", 10.0),    # and 10 % within it
        ("specialist", "all", None),            # no local specialists: no gap
    ]
    assert gap.filter(pl.col("scope") == "all")["local_employees"].to_list() == [20, 0]

"""The monitoring rules and the fire-once decision, on frames of a few rows (no warehouse, no Prefect)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from alert_rule_frames import ITN, values

from pilotwatch.alerts.config import (
    BehindTarget,
    Expectation,
    FactorFlipped,
    IndicatorTurnedNegative,
    StaleData,
    VerdictChanged,
)
from transforms.alerts import rules
from transforms.alerts.decision import decide
from transforms.alerts.observations import empty_state


def fire(obs: pl.DataFrame, state: pl.DataFrame | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    return decide(obs, empty_state() if state is None else state)


def keys(fired: pl.DataFrame) -> list[str]:
    return sorted(fired["dedup_key"].to_list())


def carry(state: pl.DataFrame | None, new_state: pl.DataFrame) -> pl.DataFrame:
    """What the warehouse upsert does with the new state."""
    if state is None:
        return new_state
    return pl.concat([state.filter(~pl.col("state_key").is_in(new_state["state_key"].implode())), new_state])


# ---------------------------------------------------------------- indicator turned negative


def test_newest_year_against_previous_direction_aware() -> None:
    v = values([
        ("acsa", "goal_achievement", 2019, 96.4), ("acsa", "goal_achievement", 2020, 95.5),
        ("acsa", "goal_achievement", 2021, 93.0),  # fell 2.5 pp, 2.6 %: fires (warning)
        ("acsa", "net_turnover", 2020, 3.6), ("acsa", "net_turnover", 2021, 4.2),  # rose: bad for turnover
        ("astana", "net_turnover", 2020, 1.8), ("astana", "net_turnover", 2021, 1.6),  # fell: good
    ])
    obs = rules.indicator_turned_negative(v, ITN)
    assert set(obs["state_key"]) == {"indicator_turned_negative|acsa|goal_achievement|2021",
                                     "indicator_turned_negative|acsa|net_turnover|2021",
                                     "indicator_turned_negative|astana|net_turnover|2021"}
    fired, _ = fire(obs)
    assert keys(fired) == ["indicator_turned_negative|acsa|goal_achievement|2021",
                           "indicator_turned_negative|acsa|net_turnover|2021"]
    goal = fired.filter(pl.col("indicator") == "goal_achievement").row(0, named=True)
    assert (goal["previous_value"], goal["value"], goal["year"], goal["severity"]) == (95.5, 93.0, 2021, "warning")
    assert "fell from 95.5 % in 2020 to 93 % in 2021 (-2.5 pp, -2.6 %); higher is better" in goal["message"]
    assert "Look: mart.indicator_values where body_code = 'acsa' and indicator = 'goal_achievement'" in goal["message"]
    turnover = fired.filter(pl.col("indicator") == "net_turnover").row(0, named=True)
    assert "rose from 3.6 % in 2020 to 4.2 % in 2021 (+0.6 pp, +16.7 %); lower is better" in turnover["message"]
    assert turnover["severity"] == "critical"  # 16.7 % >= the 5 % escalation


@pytest.mark.parametrize(
    ("before", "after", "fires"),
    [
        (88.3, 87.4, False),  # -0.9 pp: under the 1.0 pp absolute floor
        (20.0, 19.0, True),   # -1.0 pp and -5 %: both floors reached
        (200.0, 199.0, False),  # -1.0 pp but -0.5 %: under the relative floor
        (88.3, 89.0, False),  # improved
    ],
)
def test_both_floors_must_be_reached(before: float, after: float, fires: bool) -> None:
    obs = rules.indicator_turned_negative(values([("acsa", "goal_achievement", 2020, before),
                                                  ("acsa", "goal_achievement", 2021, after)]), ITN)
    assert obs["firing"].to_list() == [fires]


def test_per_indicator_override_and_filters() -> None:
    v = values([("acsa", "net_turnover", 2020, 3.6), ("acsa", "net_turnover", 2021, 3.85),   # +0.25 pp, +6.9 %
                ("acsa", "payroll_fund_musd", 2020, 12.0), ("acsa", "payroll_fund_musd", 2021, 20.0)])  # cost role
    obs = rules.indicator_turned_negative(v, ITN)
    assert obs.select("indicator", "firing").rows() == [("net_turnover", True)]
    peers = values([("central_avg", "goal_achievement", 2020, 90.0), ("central_avg", "goal_achievement", 2021, 80.0)],
                   kind="peer_group")
    assert rules.indicator_turned_negative(peers, ITN).is_empty()
    with_costs = IndicatorTurnedNegative(roles=["cost"], absolute_floor=1.0)
    assert rules.indicator_turned_negative(v, with_costs).select("indicator", "firing").rows() == [
        ("payroll_fund_musd", True)]


def test_only_the_newest_year_is_judged_and_a_single_year_is_not() -> None:
    v = values([("acsa", "goal_achievement", 2018, 99.0), ("acsa", "goal_achievement", 2019, 50.0),
                ("acsa", "goal_achievement", 2020, 60.0), ("astana", "goal_achievement", 2021, 10.0)])
    obs = rules.indicator_turned_negative(v, ITN)
    assert obs.select("body_code", "year", "firing").rows() == [("acsa", 2020, False)]


# ---------------------------------------------------------------- the decision: once, again only on a crossing


def test_fires_once_and_again_only_when_crossing_again() -> None:
    def run(after: float, state: pl.DataFrame | None) -> tuple[list[str], pl.DataFrame]:
        obs = rules.indicator_turned_negative(values([("acsa", "goal_achievement", 2020, 95.5),
                                                      ("acsa", "goal_achievement", 2021, after)]), ITN)
        fired, new = decide(obs, state if state is not None else empty_state())
        return fired["value"].cast(pl.String).to_list(), carry(state, new)

    fired, state = run(93.0, None)
    assert fired == ["93.0"]
    fired, state = run(93.0, state)          # re-run: nothing new
    assert fired == []
    fired, state = run(92.0, state)          # a corrected value that still crosses: fires with the new figures
    assert fired == ["92.0"]
    fired, state = run(92.0, state)
    assert fired == []
    fired, state = run(95.0, state)          # recovered (under the floors): clears, nothing sent
    assert fired == []
    fired, state = run(92.0, state)          # crosses again: fires again
    assert fired == ["92.0"]


def test_transition_rules_need_a_known_good_state_first() -> None:
    cfg = FactorFlipped(analysis_rule="endpoint")

    def effects(effect: str | None, rule: str = "endpoint") -> pl.DataFrame:
        return pl.DataFrame({"body_code": ["acsa"], "body_name": ["ACSA"], "factor": ["Organization"],
                             "rule": [rule], "effect": [effect], "year": [2021]},
                            schema={"body_code": pl.String, "body_name": pl.String, "factor": pl.String,
                                    "rule": pl.String, "effect": pl.String, "year": pl.Int32})

    fired, state = fire(rules.factor_flipped(effects("negative"), cfg))
    assert fired.is_empty()  # first sight of a negative effect: the baseline, not a flip
    fired, state = fire(rules.factor_flipped(effects("positive"), cfg), state)
    assert fired.is_empty()
    fired, state = fire(rules.factor_flipped(effects("negative"), cfg), state)
    assert keys(fired) == ["factor_flipped|acsa|Organization|2021"]
    assert "turned from positive to negative under the 'endpoint' rule" in fired["message"][0]
    assert fired["previous_label"][0] == "positive" and fired["value_label"][0] == "negative"
    fired, state = fire(rules.factor_flipped(effects("negative"), cfg), state)
    assert fired.is_empty()  # still negative: no new flip
    assert rules.factor_flipped(effects("negative", rule="vs_peer"), cfg).is_empty()  # another rule: not watched
    assert rules.factor_flipped(effects(None), cfg).is_empty()  # insufficient data: no observation


def test_verdict_moves_to_h1() -> None:
    cfg = VerdictChanged(analysis_rule="endpoint")

    def verdicts(v: str | None) -> pl.DataFrame:
        return pl.DataFrame({"body_code": ["astana"], "body_name": ["Akimat of Astana"], "rule": ["endpoint"],
                             "verdict": [v], "negative_factors": [["Organization"]], "year": [2021]},
                            schema={"body_code": pl.String, "body_name": pl.String, "rule": pl.String,
                                    "verdict": pl.String, "negative_factors": pl.List(pl.String), "year": pl.Int32})

    _, state = fire(rules.verdict_changed(verdicts("H0"), cfg))
    fired, state = fire(rules.verdict_changed(verdicts("H1"), cfg), state)
    assert keys(fired) == ["verdict_changed|astana|verdict|2021"]
    msg = fired["message"][0]
    assert "moved from H0 to H1 (at least one factor is negative" in msg and "Negative factors: Organization." in msg
    assert fired["severity"][0] == "critical"
    fired, _ = fire(rules.verdict_changed(verdicts("H1"), cfg), state)
    assert fired.is_empty()


def test_grade_band_drop() -> None:
    cfg = VerdictChanged()
    g = pl.DataFrame({"body_code": ["acsa"] * 3, "body_name": ["ACSA"] * 3, "indicator": ["overall_effectiveness"] * 3,
                      "year": [2019, 2020, 2021], "band": ["high", "high", "average"], "score": [91.0, 90.5, 89.9]})
    fired, _ = fire(rules.verdict_changed_grades(g, cfg))
    assert keys(fired) == ["verdict_changed|acsa|grade_band:overall_effectiveness|2021"]
    assert "grade dropped from high in 2020 to average in 2021 (90.5 -> 89.9)" in fired["message"][0]
    assert fired["severity"][0] == "warning"
    up = g.with_columns(band=pl.Series(["low", "low", "average"]))
    assert fire(rules.verdict_changed_grades(up, cfg))[0].is_empty()


# ---------------------------------------------------------------- behind target, stale data


def test_behind_target_is_direction_aware() -> None:
    v = values([("acsa", "goal_achievement", 2021, 93.0), ("acsa", "net_turnover", 2021, 3.4),
                ("acsa", "net_turnover", 2022, 3.9)])
    t = pl.DataFrame({"body_code": ["acsa"] * 4, "year": [2021, 2021, 2022, 2023],
                      "indicator": ["goal_achievement", "net_turnover", "net_turnover", "goal_achievement"],
                      "target": [95.6, 3.5, 3.2, 98.0], "target_load_id": [3] * 4})
    fired, _ = fire(rules.behind_target(v, t, BehindTarget(absolute_floor=0.1, critical={"relative": 0.05})))
    assert keys(fired) == ["behind_target|acsa|goal_achievement|2021", "behind_target|acsa|net_turnover|2022"]
    turnover = fired.filter(pl.col("indicator") == "net_turnover").row(0, named=True)
    assert (turnover["previous_value"], turnover["value"], turnover["severity"]) == (3.2, 3.9, "critical")
    assert "behind its target of 3.2 % (+0.7 pp, 21.9 % above the target); lower is better" in turnover["message"]


def test_stale_data_after_its_date_only() -> None:
    rule = StaleData(expected=[
        Expectation(dataset="evaluation_center", years="2021-2022", by_month_day="06-30", bodies=["acsa", "astana"]),
        Expectation(dataset="macro", years=2021, by=date(2022, 3, 1)),
    ])
    have = pl.DataFrame({"dataset": ["evaluation_center", "macro"], "year": [2021, 2020], "body_code": ["acsa", None]})
    early = rules.stale_data(have, rule, date(2022, 2, 1))
    assert not early["firing"].any()
    obs = rules.stale_data(have, rule, date(2022, 7, 1), {"astana": "Akimat of Astana"})
    fired, _ = fire(obs)
    assert keys(fired) == ["stale_data|-|macro|2021", "stale_data|astana|evaluation_center|2021"]
    msg = fired.filter(pl.col("body_code") == "astana")["message"][0]
    assert msg.startswith("No evaluation_center data for Akimat of Astana (astana) for 2021 has arrived: "
                          "it was expected by 2022-06-30 (1 days overdue on 2022-07-01).")
    # once the data arrive the condition clears
    have2 = pl.concat([have, pl.DataFrame({"dataset": ["evaluation_center"], "year": [2021], "body_code": ["astana"]})])
    assert not rules.stale_data(have2, rule, date(2022, 7, 1)).filter(
        pl.col("body_code") == "astana", pl.col("year") == 2021)["firing"].any()


def test_dashboard_link_and_details() -> None:
    import json

    obs = rules.indicator_turned_negative(
        values([("acsa", "goal_achievement", 2020, 95.5), ("acsa", "goal_achievement", 2021, 90.0)]), ITN,
        dashboard="https://bi.example.org/pw?body={body_code}&indicator={indicator}&year={year}")
    d = json.loads(obs["details"][0])
    assert d["dashboard"] == "https://bi.example.org/pw?body=acsa&indicator=goal_achievement&year=2021"
    assert d["query"].startswith('pilotwatch query "select * from mart.indicator_values where body_code = \'acsa\'')
    assert d["load_id"] == 7

"""Probabilistic CER (issue 15 item 1): closed forms, the CEAC's shape, reproducibility, configuration
errors, and the mart views after a real analysis run on the bundled data."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest
from scipy.stats import norm

from pilotwatch.analysis.config import AnalysisConfigError, load_analysis_config
from transforms.analysis import uncertainty as u

WTP = tuple(float(x) for x in np.arange(0, 20.5, 0.5))


def cer_frame(base: tuple[float, float], years: list[tuple[float, float, float]], body: str = "b1",
              base_year: int = 2017) -> pl.DataFrame:
    """A ``cer_table``-shaped frame: base (cost, effectiveness), then per later year (cost, eff, index)."""
    rows = [dict(body_code=body, year=base_year, mode=m, cost_musd=base[0], effectiveness_pct=base[1],
                 base_year=base_year, years_from_base=0, inflation_index=None if m == "pilot" else 1.0,
                 in_test=False, status="ok") for m in ("pilot", "standard")]
    for i, (cost, eff, index) in enumerate(years, start=1):
        rows.append(dict(body_code=body, year=base_year + i, mode="pilot", cost_musd=cost, effectiveness_pct=eff,
                         base_year=base_year, years_from_base=i, inflation_index=None, in_test=True, status="ok"))
        rows.append(dict(body_code=body, year=base_year + i, mode="standard", cost_musd=base[0] * index,
                         effectiveness_pct=base[1], base_year=base_year, years_from_base=i, inflation_index=index,
                         in_test=True, status="ok"))
    return pl.DataFrame(rows)


def params(**kw: object) -> u.UncertaintyParams:
    base = dict(draws=20_000, seed=7, score_sd=0.0, fund_share=0.0, inflation_pct=None, wtp=WTP)
    return u.UncertaintyParams(**(base | kw))  # type: ignore[arg-type]


def test_p_formula2_is_the_normal_cdf_when_scores_are_normal_and_costs_exact() -> None:
    # CER(pilot) > CER(standard) <=> C_p E_b - C_s E_p > 0 with E ~ N(e, sd): a normal with mean
    # C_p e_b - C_s e_p and SD sd * sqrt(C_p^2 + C_s^2). Chosen so the probability is near 0.7, not 0 or 1.
    c_b, e_b, c_p, e_p, index, sd = 6.0, 70.0, 6.5, 74.0, 1.05, 2.0
    c_s = c_b * index
    expected = norm.cdf((c_p * e_b - c_s * e_p) / (sd * math.hypot(c_p, c_s)))
    assert 0.2 < expected < 0.9
    sim = u.simulate(cer_frame((c_b, e_b), [(c_p, e_p, index)]), params(score_sd=sd, draws=40_000))
    p = sim.intervals["p_formula2"][0]
    se = math.sqrt(expected * (1 - expected) / 40_000)
    assert abs(p - expected) < 4 * se, (p, expected)


def test_standard_cer_interval_is_the_inflation_range_mapped_through_the_index() -> None:
    # Only inflation uncertain: CER(standard) = C_b (1 + r)^k / E_b is increasing in r ~ U(lo, hi), so its
    # q-quantile is the formula at lo + q (hi - lo).
    lo, hi, c_b, e_b, k = 2.0, 9.0, 6.6, 89.8, 3
    cer = cer_frame((c_b, e_b), [(9.0, 90.0, 1.03), (9.5, 88.0, 1.06), (10.0, 87.0, 1.09)])
    sim = u.simulate(cer, params(inflation_pct=(lo, hi)))
    row = sim.intervals.filter((pl.col("year") == 2017 + k) & (pl.col("mode") == "standard")).row(0, named=True)
    for q, col in zip(u.QUANTILES, ("cer_p025", "cer_median", "cer_p975"), strict=True):
        expected = c_b * (1 + (lo + q * (hi - lo)) / 100) ** k / e_b
        assert row[col] == pytest.approx(expected, rel=2e-3), col
    pilot = sim.intervals.filter((pl.col("year") == 2017 + k) & (pl.col("mode") == "pilot")).row(0, named=True)
    assert pilot["cer_p025"] == pilot["cer_p975"] == pytest.approx(10.0 / 87.0)  # nothing uncertain on that side


def test_pilot_cer_interval_is_linear_in_a_uniform_fund_error() -> None:
    share = 0.05
    sim = u.simulate(cer_frame((6.0, 80.0), [(8.0, 82.0, 1.0)]), params(fund_share=share))
    row = sim.intervals.filter(pl.col("mode") == "pilot").row(0, named=True)
    for q, col in zip(u.QUANTILES, ("cer_p025", "cer_median", "cer_p975"), strict=True):
        assert row[col] == pytest.approx(8.0 * (1 + share * (2 * q - 1)) / 82.0, rel=1e-3), col


def test_acceptability_and_evpi_equal_the_brute_force_over_every_wtp() -> None:
    rng = np.random.default_rng(3)
    d_cost = rng.normal(3, 2, (6, 3000))
    d_eff = rng.normal(0.5, 1.5, (6, 3000))
    d_eff[0, :50] = 0.0                      # ΔE = 0: decided by the cost alone
    d_cost[1], d_eff[1] = 2.0, 0.5           # exact ratio 4.0 on the grid: INB = 0 there is not "cost-effective"
    wtp = np.asarray(WTP)
    prob, evpi = u.acceptability(d_cost, d_eff, wtp)
    inb = wtp[None, :, None] * d_eff[:, None, :] - d_cost[:, None, :]
    assert np.array_equal(prob, (inb > 0).mean(axis=2))
    expected_evpi = np.maximum(inb, 0).mean(axis=2) - np.maximum(inb.mean(axis=2), 0)
    assert np.allclose(evpi, expected_evpi, atol=1e-9)
    assert prob[1, list(wtp).index(4.0)] == 0.0 and prob[1, list(wtp).index(4.5)] == 1.0


def test_ceac_rises_with_wtp_when_the_pilot_surely_gains_points_and_falls_when_it_surely_loses() -> None:
    gains = cer_frame((6.0, 70.0), [(9.0, 80.0, 1.05)], body="gains")      # +10 points, costs more
    loses = cer_frame((6.0, 70.0), [(5.0, 60.0, 1.05)], body="loses")      # -10 points, saves money
    sim = u.simulate(pl.concat([gains, loses]), params(score_sd=1.0, fund_share=0.1, inflation_pct=(2, 8)))
    for body, sign in (("gains", 1), ("loses", -1)):
        curve = sim.acceptability.filter(pl.col("body_code") == body).sort("wtp")["probability"].to_numpy()
        assert np.all(sign * np.diff(curve) >= 0), body
        assert curve.max() - curve.min() > 0.9, body  # the curve crosses from one answer to the other


def test_same_seed_same_draws_and_a_body_does_not_depend_on_the_others() -> None:
    one = cer_frame((6.6, 89.8), [(10.2, 91.2, 1.05), (10.8, 87.2, 1.1)], body="acsa")
    other = cer_frame((6.0, 67.4), [(12.6, 69.2, 1.05)], body="astana")
    p = params(score_sd=1.0, fund_share=0.02, inflation_pct=(3.0, 7.5), draws=2000)
    alone = u.simulate(one, p)
    together = u.simulate(pl.concat([other, one]), p)
    again = u.simulate(pl.concat([other, one]), p)
    assert together.intervals.equals(again.intervals) and together.acceptability.equals(again.acceptability)
    assert alone.intervals.equals(together.intervals.filter(pl.col("body_code") == "acsa"))
    moved = u.simulate(one, params(score_sd=1.0, fund_share=0.02, inflation_pct=(3.0, 7.5), draws=2000, seed=8))
    assert not alone.intervals["cer_median"].equals(moved.intervals["cer_median"])


def test_verdict_probability_is_one_under_a_negative_factor_and_the_cost_side_otherwise() -> None:
    decisions = pl.DataFrame({
        "body_code": ["a", "b", "c"], "rule": ["endpoint"] * 3, "is_default_rule": [True] * 3,
        "verdict": ["H1", "H1", None], "effects_verdict": ["H1", "H0", None],
        "cost_test": ["pilot_costlier"] * 2 + [None], "cost_side": ["veto"] * 3,
    })
    cost = pl.DataFrame({"body_code": ["a", "b", "c"], "p_pilot_costlier": [0.3, 0.8, 0.5],
                         "cost_years": [[2020], [2020], [2020]]}, schema_overrides={"cost_years": pl.List(pl.Int32)})
    out = u.verdict_probability(decisions, cost, params()).sort("body_code")
    assert out["p_h1"].to_list() == [1.0, 0.8, None]
    assert out["p_verdict"].to_list() == [1.0, 0.8, None]


@pytest.mark.parametrize(("patch", "message"), [
    ({"draws": 10}, "draws"),
    ({"score_sd": -1}, "score_sd"),
    ({"inflation_pct": [8, 3]}, "inflation_pct"),
    ({"wtp": {"start": -5, "stop": 5, "step": 1}}, "wtp"),
    ({"scores_sd": 1.0}, "scores_sd"),
])
def test_configuration_errors_name_the_key(tmp_path: Path, patch: dict[str, object], message: str) -> None:
    import yaml

    raw = yaml.safe_load(Path("data/analysis.yaml").read_text(encoding="utf-8"))
    raw["configurations"]["default"]["uncertainty"] = raw["configurations"]["default"]["uncertainty"] | patch
    path = tmp_path / "analysis.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(AnalysisConfigError, match=message):
        load_analysis_config("default", path)


def test_the_section_can_be_turned_off_in_a_configuration(tmp_path: Path) -> None:
    import yaml

    raw = yaml.safe_load(Path("data/analysis.yaml").read_text(encoding="utf-8"))
    raw["configurations"]["thesis"]["uncertainty"] = None
    path = tmp_path / "analysis.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    assert load_analysis_config("thesis", path).uncertainty is None
    assert load_analysis_config("default", path).uncertainty is not None


def test_mart_views_after_a_real_analysis_run(bundled_warehouse: Path, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    shutil.copyfile(bundled_warehouse, db)
    con = duckdb.connect(str(db), read_only=True)
    try:
        cfg = load_analysis_config("default")
        assert cfg.uncertainty is not None
        unc = con.execute("select body_code, year, mode, cer_point, cer_p025, cer_median, cer_p975, p_formula2, draws "
                          "from mart.cer_uncertainty where config = 'default' order by all").fetchall()
        bodies = {r[0] for r in unc}
        assert {"acsa", "astana", "mangystau"} <= bodies
        for _b, _y, _mode, point, lo, mid, hi, p2, draws in unc:
            assert lo < mid < hi and lo < point < hi and 0 <= p2 <= 1 and draws == cfg.uncertainty.draws
        n_wtp = len(cfg.uncertainty.wtp.values())
        counts = con.execute("select count(*), count(distinct (body_code, year)) from mart.ce_acceptability "
                             "where config = 'default'").fetchone()
        assert counts == (len(unc) // 2 * n_wtp, len(unc) // 2)
        verdicts = con.execute("select v.body_code, v.verdict, p.verdict, p.p_h1, p.p_verdict "
                               "from mart.verdicts v join mart.verdict_probability p using (config, body_code, rule) "
                               "where config = 'default' and v.is_default_rule and v.hypothesis = 'H1' "
                               "and v.verdict is not null").fetchall()
        assert {r[0] for r in verdicts} == bodies
        for _b, verdict, same, p_h1, p_verdict in verdicts:
            assert verdict == same and 0 <= p_h1 <= 1 and p_verdict == (p_h1 if verdict == "H1" else 1 - p_h1)
    finally:
        con.close()

"""Price year, currency and discounting of the CER amounts, checked by hand against the loaded CPI and rates."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import warehouse
from pilotwatch import analysis
from pilotwatch.analysis.config import AnalysisConfigError, load_analysis_config
from transforms.analysis.money import MoneyParams, factors, price_levels

CPI = pl.DataFrame({"year": [2018, 2019, 2020], "pct": [5.0, 10.0, 20.0]})
FX = pl.DataFrame({"year": [2017, 2018, 2019, 2020], "pct": [300.0, 330.0, 360.0, 400.0]})
KEYS = pl.DataFrame({"body_code": ["b"] * 4, "year": [2017, 2018, 2019, 2020], "base_year": [2017] * 4})


def _f(money: MoneyParams) -> dict[int, float | None]:
    return dict(factors(KEYS, money, CPI, FX).select("year", "_money").iter_rows())


def test_price_levels_compound_the_yearly_rates() -> None:
    lv = dict(price_levels(CPI).iter_rows())
    assert lv == pytest.approx({2017: 1.0, 2018: 1.05, 2019: 1.05 * 1.10, 2020: 1.05 * 1.10 * 1.20})
    gap = dict(price_levels(pl.DataFrame({"year": [2018, 2020], "pct": [5.0, 20.0]})).iter_rows())
    assert gap == pytest.approx({2017: 1.0, 2018: 1.05}), "a gap ends the levels"


@pytest.mark.parametrize(("money", "expected"), [
    (MoneyParams(), {2017: 1.0, 2018: 1.0, 2019: 1.0, 2020: 1.0}),
    (MoneyParams(discount_rate_pct=5), {2017: 1.0, 2018: 1 / 1.05, 2019: 1 / 1.05 ** 2, 2020: 1 / 1.05 ** 3}),
    (MoneyParams(discount_rate_pct=5, discount_base_year=2019), {2017: 1.05 ** 2, 2018: 1.05, 2019: 1.0, 2020: 1 / 1.05}),
    (MoneyParams(currency="KZT"), {2017: 300.0, 2018: 330.0, 2019: 360.0, 2020: 400.0}),
    # 1 USD of 2018 = 330 KZT of 2018 = 330 * 1.10 * 1.20 KZT of 2020 = that / 400 USD of 2020
    (MoneyParams(price_year=2020), {2017: 300 * 1.05 * 1.10 * 1.20 / 400, 2018: 330 * 1.10 * 1.20 / 400,
                                    2019: 360 * 1.20 / 400, 2020: 1.0}),
    (MoneyParams(price_year=2018, currency="KZT"), {2017: 300 * 1.05, 2018: 330.0, 2019: 360 / 1.10,
                                                   2020: 400 / (1.10 * 1.20)}),
    (MoneyParams(price_year=2020, currency="KZT", discount_rate_pct=10),
     {2017: 300 * 1.05 * 1.10 * 1.20, 2018: 330 * 1.10 * 1.20 / 1.1, 2019: 360 * 1.20 / 1.1 ** 2, 2020: 400 / 1.1 ** 3}),
])
def test_factors_by_hand(money: MoneyParams, expected: dict[int, float]) -> None:
    assert _f(money) == pytest.approx(expected)


def test_a_missing_price_year_is_named() -> None:
    f = factors(KEYS, MoneyParams(price_year=2021), CPI, FX)
    assert f["_money"].is_null().all()
    assert "cpi_inflation_pct 2021 (price year)" in f["_money_missing"][0].to_list()
    assert "usd_kzt 2021 (price year)" in f["_money_missing"][0].to_list()


def _write(tmp_path: Path, money: str) -> Path:
    p = tmp_path / "analysis.yaml"
    base = (Path(__file__).parents[2] / "data" / "analysis.yaml").read_text(encoding="utf-8")
    p.write_text(base + f"\n  probe:\n    extends: default\n    money: {money}\n", encoding="utf-8")
    return p


@pytest.mark.parametrize(("money", "fragment"), [
    ("{currency: EUR}", "currency"),
    ("{discount_rate_pct: -1}", "discount_rate_pct"),
    ("{price_year: latest}", "price_year"),
    ("{discount: 3}", "discount"),
])
def test_invalid_money_is_refused(tmp_path: Path, money: str, fragment: str) -> None:
    with pytest.raises(AnalysisConfigError, match=fragment):
        load_analysis_config("probe", _write(tmp_path, money))


def test_defaults_leave_every_amount_as_published(bundled_warehouse: Path) -> None:
    """Table 19 in the thesis configuration is the published one: the money step adds labels and changes nothing."""
    for name in ("default", "thesis"):
        cfg = load_analysis_config(name)
        assert cfg.money.price_year == "nominal" and cfg.money.currency == "USD" and cfg.money.discount_rate_pct == 0
    con = warehouse.connect(read_only=True, path=bundled_warehouse)
    try:
        rows = warehouse.frame(con, "SELECT DISTINCT price_year, currency, discount_rate FROM mart.cer WHERE config = 'default'")
    finally:
        con.close()
    assert rows.rows() == [(None, "USD", 0.0)]


def test_constant_prices_restate_the_bundled_amounts_by_hand(bundled_warehouse: Path) -> None:
    """2020 prices, USD, 3 % to the base year on the bundled data: every amount equals the nominal one times
    usd_kzt[t] * CPI level[2020] / level[t] / usd_kzt[2020] / 1.03^(t - 2017); formula (2), the quadrant and
    break-even inflation are the default's."""
    con = warehouse.connect(read_only=True, path=bundled_warehouse)
    try:
        nominal_cfg, real_cfg = load_analysis_config("default"), load_analysis_config("constant_prices")
        nominal = analysis.compute(analysis.read_inputs(con, nominal_cfg), nominal_cfg)
        real = analysis.compute(analysis.read_inputs(con, real_cfg), real_cfg)
        cpi = dict(warehouse.frame(con, "SELECT year, value FROM core.macro_series WHERE series = 'cpi_inflation_pct'").iter_rows())
        fx = dict(warehouse.frame(con, "SELECT year, value FROM core.macro_series WHERE series = 'usd_kzt'").iter_rows())
    finally:
        con.close()

    def level(y: int) -> float:
        out = 1.0
        for t in range(2018, y + 1):
            out *= 1 + cpi[t] / 100
        return out

    key = ["body_code", "year", "mode"]
    both = nominal.cer.filter(pl.col("year").is_not_null()).join(real.cer, on=key, suffix="_real")
    assert both.height > 0 and both.height == nominal.cer.filter(pl.col("year").is_not_null()).height
    for r in both.iter_rows(named=True):
        y, b = r["year"], r["base_year"]
        by_hand = r["cost_musd"] * fx[y] * level(2020) / level(y) / fx[2020] / 1.03 ** (y - b)
        assert r["cost_musd_real"] == pytest.approx(by_hand, rel=1e-12), r
        assert r["pilot_cer_higher_real"] == r["pilot_cer_higher"]
        assert (r["price_year_real"], r["currency_real"], r["discount_rate_real"], r["discount_base_year_real"]) == (
            2020, "USD", 3.0, b)
    inc = nominal.cer_incremental.join(real.cer_incremental, on=["body_code", "year"], suffix="_real")
    assert (inc["outcome"] == inc["outcome_real"]).all()
    assert inc["break_even_inflation_pct"].to_list() == inc["break_even_inflation_pct_real"].to_list()
    assert real.decisions.select("body_code", "rule", "verdict").sort("body_code", "rule").equals(
        nominal.decisions.select("body_code", "rule", "verdict").sort("body_code", "rule"))

"""Plausibility against history (issue 12 item 2), pure: which values are held, and what the reason says."""

from __future__ import annotations

import polars as pl
import pytest

from transforms.plausibility import screen

HISTORY = pl.DataFrame({"body_code": ["acsa"] * 4, "year": [2017, 2018, 2019, 2020],
                        "indicator": ["payroll_fund_musd"] * 4, "value": [6.6, 10.5, 11.5, 12.0]})
RULES = {"*": 5.0, "net_turnover": 10.0}


def candidate(value: float, indicator: str = "payroll_fund_musd", year: int = 2021, body: str = "acsa") -> pl.DataFrame:
    return pl.DataFrame({"body_code": [body], "year": [year], "indicator": [indicator], "value": [value],
                         "unit": ["mln USD"]})


@pytest.mark.parametrize(
    ("value", "held", "hint"),
    [
        (12.4, False, None),  # the converted 2021 fund
        (5280.0, True, None),  # mln KZT stored as mln USD: x478, the exchange rate, not a power of ten
        (11_200.0, True, "looks like a x1000 scale change"),  # thousands for millions
        (1120.0, True, "looks like a x100 scale change"),
        (0.0112, True, "looks like a 1/1000 scale change"),
        (2.1, True, None),  # less than a fifth of the median 11
        (2.3, False, None),  # within x5
        (54.0, False, None),
        (56.0, True, None),
    ],
)
def test_far_from_history_is_held(value: float, held: bool, hint: str | None) -> None:
    result = screen(candidate(value), HISTORY, RULES)
    assert (result.held.height, result.kept.height) == ((1, 0) if held else (0, 1))
    if held:
        reason = result.held["reason"][0]
        assert reason.startswith("suspected unit or scale error") and "median 11" in reason
        assert "2017: 6.6, 2018: 10.5, 2019: 11.5, 2020: 12" in reason
        assert result.held["history"][0] == '{"2017": 6.6, "2018": 10.5, "2019": 11.5, "2020": 12.0}'
        assert (hint in reason) if hint else "scale change" not in reason


def test_ratio_is_per_indicator() -> None:
    turnover = HISTORY.with_columns(indicator=pl.lit("net_turnover"), value=pl.Series([5.7, 4.1, 4.8, 3.6]))
    assert screen(candidate(30.0, "net_turnover"), turnover, RULES).held.height == 0  # x6.7 < 10
    assert screen(candidate(30.0, "net_turnover"), turnover, {"*": 5.0}).held.height == 1


def test_no_history_or_other_bodies_history_holds_nothing() -> None:
    assert screen(candidate(5280.0, body="justice"), HISTORY, RULES).held.height == 0
    assert screen(candidate(5280.0), HISTORY.clear(), RULES).held.height == 0


def test_a_series_loaded_at_once_is_checked_against_itself() -> None:
    """The first load of 2017-2020 has no warehouse history: the other years in the batch are the history."""
    batch = HISTORY.with_columns(unit=pl.lit("mln USD"))
    assert screen(batch, HISTORY.clear(), RULES).held.height == 0
    typo = batch.with_columns(value=pl.when(pl.col("year") == 2019).then(11_500.0).otherwise(pl.col("value")))
    result = screen(typo, HISTORY.clear(), RULES)
    assert result.held["year"].to_list() == [2019] and result.kept.height == 3


def test_the_same_year_already_loaded_is_not_its_own_history() -> None:
    """Reloading 2020 with a corrected value compares it with the other years, not with the value it replaces."""
    result = screen(candidate(12.5, year=2020), HISTORY.with_columns(value=pl.Series([6.6, 10.5, 11.5, 1200.0])), RULES)
    assert result.held.height == 0

"""Units are data (issue 12 item 1): every unit word, conversion and refusal, as tables of cases."""

from __future__ import annotations

import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.numbers import NumberFormat
from transforms.units import UnitError, apply_units, convert, read_unit, split_cell, unit_in_header

RATES = {("usd_kzt", 2021): 426.03, ("usd_kzt", 2020): 412.95}


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("%", "%"), ("процентов", "%"), ("пайыз", "%"), ("percent", "%"),
        ("млн. тенге", "mln KZT"), ("млн тенге", "mln KZT"), ("mln. KZT", "mln KZT"), ("млн ₸", "mln KZT"),
        ("million tenge", "mln KZT"), ("млн. теңге", "mln KZT"), ("тыс. тенге", "thousand KZT"),
        ("мың теңге", "thousand KZT"), ("млрд тг", "bn KZT"), ("тенге", "KZT"), ("KZT", "KZT"), ("₸", "KZT"),
        ("mln. USD", "mln USD"), ("USD m", "mln USD"), ("млн. долл. США", "mln USD"), ("млн долларов США", "mln USD"),
        ("тыс. долл. США", "thousand USD"), ("bn USD", "bn USD"), ("$", "USD"), ("млн АҚШ доллары", "mln USD"),
        ("баллов из 5", "points of 5"), ("балла (из 5)", "points of 5"), ("points out of 5", "points of 5"),
        ("5-балльная шкала", "points of 5"), ("балл/100", "points of 100"), ("points of 100", "points of 100"),
        ("ұпай (5 ұпайдан)", "points of 5"), ("балл", "points"),
        ("чел.", "persons"), ("тыс. человек", "thousand persons"), ("persons", "persons"),
    ],
)
def test_unit_words_in_three_languages(text: str, label: str) -> None:
    assert read_unit(text).label == label


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("apples", "'apples' is not a unit word"),
        ("млн. тенге USD", "several units (KZT, USD)"),
        ("тыс. %", "a magnitude (thousand, mln, bn) on %"),
        ("млн", "no unit word"),
        ("% из 5", "a scale ('out of 5') on %"),
    ],
)
def test_unreadable_units_are_refused_with_the_reason(text: str, why: str) -> None:
    with pytest.raises(UnitError) as exc:
        read_unit(text)
    assert why in str(exc.value) and repr(text) in str(exc.value)


@pytest.mark.parametrize(
    ("cell", "figure", "unit"),
    [
        ("5 280,0 млн. тенге", "5 280,0", "млн. тенге"),
        ("6,6 mln. USD", "6,6", "mln. USD"),
        ("$6.6m", "6.6", "$ m"),
        ("4,59 балла из 5", "4,59", "балла из 5"),
        ("12%", "12", "%"),
        ("−5,5 %", "−5,5", "%"),
        ("89,8", "89,8", None),
        ("—", "—", None),
    ],
)
def test_a_cell_splits_into_figure_and_unit(cell: str, figure: str, unit: str | None) -> None:
    assert split_cell(cell) == (figure, unit)


@pytest.mark.parametrize(
    ("header", "unit"),
    [
        ("Agency for Civil Service Affairs, %", "%"),
        ("2021 (estimated), %", "%"),
        ("Фонд оплаты труда, млн. тенге", "млн. тенге"),
        ("Оценка качества (балл из 5)", "балл из 5"),
        ("Nur-Sultan Akimat", None),
        ("value", None),
    ],
)
def test_unit_in_a_header(header: str, unit: str | None) -> None:
    assert unit_in_header(header) == unit


@pytest.mark.parametrize(
    ("value", "frm", "to", "year", "expected", "rate"),
    [
        (5280.0, "млн. тенге", "mln USD", 2021, 5280.0 / 426.03, 426.03),
        (5_280_000.0, "тыс. тенге", "mln USD", 2021, 5280.0 / 426.03, 426.03),
        (12.0, "mln USD", "mln KZT", 2020, 12.0 * 412.95, 412.95),
        (4955.4, "млн. тенге", "mln KZT", 2020, 4955.4, None),
        (5.28, "млрд тенге", "mln KZT", 2021, 5280.0, None),
        (1_234_500.0, "тенге", "mln KZT", 2021, 1.2345, None),
        (12_000.0, "тыс. долл. США", "mln USD", 2020, 12.0, None),
        (85.0, "points out of 100", "%", 2020, 85.0, None),
        (79.4, "%", "%", 2020, 79.4, None),
        (4.59, "баллов из 5", "points of 5", 2020, 4.59, None),
    ],
)
def test_conversions(value: float, frm: str, to: str, year: int, expected: float, rate: float | None) -> None:
    got = convert(value, read_unit(frm), read_unit(to), year, RATES)
    assert math.isclose(got.value, expected, rel_tol=1e-12)
    assert got.rate == rate and (got.rate_series == "usd_kzt") == (rate is not None)
    assert math.isclose(got.factor * value, got.value, rel_tol=1e-12)


@pytest.mark.parametrize(
    ("frm", "to", "year", "why"),
    [
        ("баллов из 5", "%", 2020, "points of 5 does not convert to % (a score is not a percentage)"),
        ("балл", "%", 2020, "points does not convert to %"),
        ("%", "mln USD", 2020, "% does not convert to mln USD"),
        ("млн. тенге", "%", 2020, "mln KZT does not convert to %"),
        ("млн. тенге", "mln USD", 2031, "the 2031 usd_kzt rate, which is not in the warehouse"),
        ("чел.", "mln KZT", 2020, "persons does not convert to mln KZT"),
    ],
)
def test_refused_conversions(frm: str, to: str, year: int, why: str) -> None:
    with pytest.raises(UnitError) as exc:
        convert(1.0, read_unit(frm), read_unit(to), year, RATES)
    assert why in str(exc.value)


INDICATORS = pl.DataFrame(
    {
        "indicator": ["payroll_fund_musd", "public_services_quality", "public_services_score_5"],
        "unit": ["mln USD", "%", "points of 5"],
        "min_value": [0.0, 0.0, 0.0],
        "max_value": [None, 100.0, 5.0],
    }
)


def frame(rows: list[tuple[str, str, str | None, str]]) -> pl.DataFrame:
    """(indicator, value_text, unit_text, header) rows for 2021 with the registry's declared units."""
    declared = dict(zip(INDICATORS["indicator"], INDICATORS["unit"], strict=True))
    return pl.DataFrame(
        {
            "_row": list(range(1, len(rows) + 1)),
            "_column": [h for *_, h in rows],
            "year": [2021] * len(rows),
            "indicator": [i for i, *_ in rows],
            "unit": [declared[i] for i, *_ in rows],
            "min_value": [0.0] * len(rows),
            "max_value": [None] * len(rows),
            "value_text": [v for _, v, *_ in rows],
            "unit_text": [u for _, _, u, _ in rows],
        },
        schema_overrides={"unit_text": pl.String, "max_value": pl.Float64},
    )


def test_acsa_2021_payroll_in_mln_tenge_becomes_mln_usd_with_its_lineage() -> None:
    """Issue 12: "5 280,0 млн. тенге" was stored as 5,280 mln USD (2020: 12.0)."""
    rates = pl.DataFrame({"series": ["usd_kzt"], "year": [2021], "value": [426.03]})
    out = apply_units(frame([("payroll_fund_musd", "5 280,0 млн. тенге", None, "value")]), INDICATORS, rates,
                      numbers=NumberFormat(), assume_declared=False).row(0, named=True)
    assert 12 < out["value"] < 13 and math.isclose(out["value"], 5280.0 / 426.03)
    assert (out["unit"], out["from_unit"], out["unit_found"], out["unit_source"]) == ("mln USD", "mln KZT",
                                                                                      "млн. тенге", "cell")
    assert (out["rate"], out["rate_series"], out["rate_year"], out["value_text"]) == (426.03, "usd_kzt", 2021,
                                                                                      "5 280,0 млн. тенге")
    assert out["value_error"] is None


@pytest.mark.parametrize(
    ("value_text", "unit_text", "header", "assume", "stored_as", "value", "source"),
    [
        ("4,59", "баллов из 5", "value", False, "public_services_score_5", 4.59, "unit column"),
        ("4,59 балла из 5", None, "value", False, "public_services_score_5", 4.59, "cell"),
        ("4,59", None, "Оценка (балл из 5)", False, "public_services_score_5", 4.59, "header"),
        ("79,4", "%", "value", False, "public_services_quality", 79.4, "unit column"),
        ("79,4", None, "Justice, %", False, "public_services_quality", 79.4, "header"),
        ("79,4", None, "value", True, "public_services_quality", 79.4, "assumed (catalogue units.assume_declared)"),
        ("6,6 mln. USD", "%", "ACSA, %", False, "payroll_fund_musd", 6.6, "cell"),  # the cell's unit wins
    ],
)
def test_where_the_unit_comes_from(value_text: str, unit_text: str | None, header: str, assume: bool,
                                   stored_as: str, value: float, source: str) -> None:
    indicator = "payroll_fund_musd" if "USD" in value_text else "public_services_quality"
    out = apply_units(frame([(indicator, value_text, unit_text, header)]), INDICATORS, None,
                      numbers=NumberFormat(), assume_declared=assume).row(0, named=True)
    assert (out["indicator"], out["value"], out["unit_source"], out["value_error"]) == (stored_as, value, source, None)
    if stored_as == "public_services_score_5":  # its own indicator carries its own unit and range
        assert (out["unit"], out["max_value"]) == ("points of 5", 5.0)


@pytest.mark.parametrize(
    ("indicator", "value_text", "unit_text", "why"),
    [
        ("public_services_quality", "4,59", None, "no unit for '4,59'"),
        ("payroll_fund_musd", "5 280,0 млн. тенге", None, "the 2021 usd_kzt rate, which is not in the warehouse"),
        ("payroll_fund_musd", "4,59", "баллов из 5", "points of 5 does not convert to mln USD"),
        ("public_services_quality", "85", "млн. тенге", "mln KZT does not convert to %"),
        ("public_services_quality", "85 штук", None, "'штук' is not a unit word"),
        ("public_services_quality", "1,234 %", None, "ambiguous"),
        ("public_services_quality", "%", None, "'%'"),
    ],
)
def test_refusals_name_the_cell_and_the_reason(indicator: str, value_text: str, unit_text: str | None,
                                                why: str) -> None:
    out = apply_units(frame([(indicator, value_text, unit_text, "value")]), INDICATORS, None,
                      numbers=NumberFormat(), assume_declared=False).row(0, named=True)
    assert out["value"] is None
    assert why in out["value_error"] and repr(value_text) in out["value_error"]


def test_macro_series_keep_the_unit_in_the_cell_and_never_glue_it() -> None:
    from transforms.facts import prepare_facts

    empty = pl.DataFrame(schema={"alias": pl.String, "body_code": pl.String, "valid_from": pl.Int64,
                                 "valid_to": pl.Int64})
    long = pl.DataFrame({"_row": [1, 2], "_column": ["v", "v"], "body_label": [None, None],
                         "year_text": ["2021", "2022"], "indicator_label": ["cpi_inflation_pct", "usd_kzt"],
                         "value_text": ["8,4 %", "460,48"], "unit_text": [None, "KZT per USD"]},
                        schema_overrides={"body_label": pl.String})
    got = prepare_facts(long, "macro", empty, INDICATORS, INDICATORS).accepted
    assert got.select("series", "value", "unit").rows() == [("cpi_inflation_pct", 8.4, "%"),
                                                             ("usd_kzt", 460.48, "KZT per USD")]


@settings(max_examples=200, deadline=None)
@given(cell=st.text(max_size=24), unit_text=st.one_of(st.none(), st.text(max_size=12)))
def test_any_cell_is_read_or_refused_never_crashes(cell: str, unit_text: str | None) -> None:
    out = apply_units(frame([("payroll_fund_musd", cell, unit_text, "value")]), INDICATORS, None,
                      numbers=NumberFormat(), assume_declared=True).row(0, named=True)
    assert (out["value"] is None) or (out["value_error"] is None and math.isfinite(out["value"]))

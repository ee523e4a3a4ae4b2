"""``parse_number``: published figures in, floats out; anything ambiguous raises.

Units in cells ("6,6 mln. USD") are read by transforms.units (tests/sources/test_units.py), not here.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.numbers import (
    NumberFormat,
    NumberParseError,
    default_format,
    parse_number,
    parse_number_column,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("89,8", 89.8),
        ("89.8", 89.8),
        ("1 234,5", 1234.5),
        ("1\u00a0234,5", 1234.5),
        ("1\u202f234\u202f567", 1234567.0),
        ("1'234.5", 1234.5),
        ("1,234.5", 1234.5),
        ("1.234,5", 1234.5),
        ("1.234.567,89", 1234567.89),
        ("1,234,567", 1234567.0),
        ("0,123", 0.123),  # a leading zero never starts a thousands group
        ("1 234,567", 1234.567),  # spaces group thousands, so the comma is the decimal separator
        ("12,34", 12.34),
        ("2017", 2017.0),
        ("−5,5", -5.5),
        ("-5", -5.0),
        ("+3,0", 3.0),
        (' "7,5" ', 7.5),
        ("«7,5»", 7.5),
        ("  42  ", 42.0),
        ("0,5", 0.5),
        (",5", 0.5),
        ("1e-05", 1e-05),
        ("1,5E3", 1500.0),
    ],
)
def test_examples(text: str, expected: float) -> None:
    result = parse_number(text)
    assert result is not None
    assert math.isclose(result, expected, rel_tol=1e-12)


@pytest.mark.parametrize("text", [None, "", "   ", "-", "—", "–", "n/a", "N/A", '""'])
def test_missing_values(text: str | None) -> None:
    assert parse_number(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "12,3,4",
        "12 13",
        "1 USD 234",
        "1.5 млрд",
        "6,6 mln. USD",
        "12 %",
        "12 apples",
        "1.2.3",
        "1,2.3",
        "1 234.567,5",
        "12.",
        "+",
        "--5",
        "5-",
        "USD",
        "1,23,456.7",
        "12/13",
        "0x1F",
        "1e999",
    ],
)
def test_garbage_raises_and_quotes_text(text: str) -> None:
    with pytest.raises(NumberParseError) as exc:
        parse_number(text)
    assert repr(text) in str(exc.value)


def test_explicit_decimal() -> None:
    assert parse_number("1.234", decimal=",") == 1234.0
    assert parse_number("1,234", decimal=".") == 1234.0
    assert parse_number("1 234,5", decimal=",") == 1234.5
    with pytest.raises(NumberParseError):
        parse_number("89,8", decimal=".")
    with pytest.raises(NumberParseError):
        parse_number("1.5", decimal=",")


@pytest.mark.parametrize("text", ["1,234", "1.234", "12.345", "123,456", "-1,234"])
def test_a_lone_separator_before_three_digits_is_ambiguous_unless_declared(text: str) -> None:
    """Issue 13: "1,234" was 1.234 while "1,234.5" was 1234.5. Undeclared, it is refused with both readings."""
    with pytest.raises(NumberParseError) as exc:
        parse_number(text)
    assert "ambiguous" in str(exc.value) and "numbers: {decimal" in str(exc.value)
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("-")
    mark = "," if "," in digits else "."
    whole, frac = digits.split(mark)
    assert parse_number(text, decimal=mark) == sign * float(f"{whole}.{frac}")
    assert parse_number(text, decimal="." if mark == "," else ",") == sign * float(whole + frac)
    assert parse_number(text, thousands=mark) == sign * float(whole + frac)


@pytest.mark.parametrize(
    ("text", "decimal", "thousands", "expected"),
    [
        ("1,234.5", "auto", "auto", 1234.5),
        ("1.234,5", "auto", "auto", 1234.5),
        ("1 234,5", ",", "space", 1234.5),
        ("1'234.5", ".", "'", 1234.5),
        ("1234,5", ",", "none", 1234.5),
        ("5 280,0", ",", "space", 5280.0),
        ("1.234", "auto", "space", 1.234),  # XLSX/JSON default: a lone dot is a decimal point
        ("79,6", "auto", "space", 79.6),
    ],
)
def test_declared_separators(text: str, decimal: str, thousands: str, expected: float) -> None:
    assert parse_number(text, decimal, thousands) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "decimal", "thousands", "why"),
    [
        ("1,234.5", "auto", "space", "',' is not a thousands separator here"),
        ("1 234,5", ",", "none", "a space is not a thousands separator here"),
        ("1.234,5", ".", "auto", "a separator after the decimal separator"),
        ("89,8", "auto", ",", "does not separate groups of three digits"),
    ],
)
def test_undeclared_separators_are_refused_with_the_reason(text: str, decimal: str, thousands: str, why: str) -> None:
    with pytest.raises(NumberParseError) as exc:
        parse_number(text, decimal, thousands)  # type: ignore[arg-type]
    assert why in str(exc.value) and repr(text) in str(exc.value)


def test_defaults_per_format() -> None:
    assert default_format("csv") == NumberFormat("auto", "auto")
    assert default_format("xlsx") == NumberFormat("auto", "space")
    assert default_format("csv", decimal=",") == NumberFormat(",", "auto")
    assert default_format("json", thousands="none") == NumberFormat("auto", "none")


def test_column_never_raises() -> None:
    values, errors = parse_number_column(["89,8", None, "x", "1 234"])
    assert values == [89.8, None, None, 1234.0]
    assert errors[0] is None and errors[1] is None and errors[3] is None
    assert errors[2] is not None and "'x'" in errors[2]


# -- properties -----------------------------------------------------------------------------

THOUSANDS = st.sampled_from([" ", "\u00a0", "\u202f", "'", "", "."])


def group(digits: str, sep: str) -> str:
    """``1234567`` → ``1<sep>234<sep>567``."""
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return sep.join(parts)


@settings(max_examples=300, deadline=None)
@given(
    x=st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False),
    decimals=st.integers(min_value=1, max_value=6),
    sep=THOUSANDS,
    minus=st.sampled_from(["-", "−"]),
)
def test_decimal_comma_round_trip(x: float, decimals: int, sep: str, minus: str) -> None:
    """Kazakh/Russian style, declared: decimal comma, any thousands separator."""
    canonical = f"{abs(x):.{decimals}f}"
    expected = math.copysign(float(canonical), x) if float(canonical) else 0.0
    integer, fraction = canonical.split(".")
    text = f"{minus if x < 0 else ''}{group(integer, sep)},{fraction}"
    result = parse_number(text, decimal=",")
    assert result is not None
    assert math.isclose(result, expected, rel_tol=1e-9, abs_tol=1e-300), text


@settings(max_examples=300, deadline=None)
@given(
    x=st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False),
    decimals=st.integers(min_value=1, max_value=6),
    sep=st.sampled_from([",", " ", "'", ""]),
)
def test_decimal_point_round_trip(x: float, decimals: int, sep: str) -> None:
    """English style, declared: decimal point, comma (or space) thousands."""
    canonical = f"{x:.{decimals}f}"
    integer, fraction = canonical.lstrip("-").split(".")
    text = f"{'-' if canonical.startswith('-') else ''}{group(integer, sep)}.{fraction}"
    result = parse_number(text, decimal=".")
    assert result is not None
    assert math.isclose(result, float(canonical), rel_tol=1e-9, abs_tol=1e-300), text


@settings(max_examples=200, deadline=None)
@given(n=st.integers(min_value=0, max_value=10**15), sep=st.sampled_from([" ", "\u00a0", "\u202f", "'"]))
def test_grouped_integers_round_trip(n: int, sep: str) -> None:
    assert parse_number(group(str(n), sep)) == float(n)


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(
        alphabet=st.characters(categories=["L"], exclude_characters="eE"),
        min_size=1,
        max_size=8,
    ),
    n=st.integers(min_value=0, max_value=10**6),
)
def test_letters_raise(text: str, n: int) -> None:
    """A figure with any word attached is not a figure (units are split off by transforms.units first)."""
    for candidate in (f"{n} {text}", f"{text}{n}", f"{n}{text}{n}"):
        with pytest.raises(NumberParseError):
            parse_number(candidate)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=20))
def test_never_crashes_with_another_exception(text: str) -> None:
    """Arbitrary text yields a float, None, or NumberParseError — nothing else."""
    try:
        result = parse_number(text)
    except NumberParseError:
        return
    assert result is None or isinstance(result, float)

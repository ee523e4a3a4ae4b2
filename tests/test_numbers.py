"""``parse_number``: published figures in, floats out; anything ambiguous raises."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.numbers import NumberParseError, parse_number, parse_number_column


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("89,8", 89.8),
        ("89.8", 89.8),
        ("6,6 mln. USD", 6.6),
        ("4.1 mln. USD", 4.1),
        ("4,1 млн. тенге", 4.1),
        ("12 %", 12.0),
        ("12%", 12.0),
        ("1 234,5", 1234.5),
        ("1\u00a0234,5", 1234.5),
        ("1\u202f234\u202f567", 1234567.0),
        ("1'234.5", 1234.5),
        ("1,234.5", 1234.5),
        ("1.234,5", 1234.5),
        ("1.234.567,89", 1234567.89),
        ("1,234", 1.234),  # a lone comma is decimal (Kazakh/Russian tables)
        ("1.234", 1.234),
        ("1,234,567", 1234567.0),
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
        ("USD 6.6", 6.6),
        ("100 KZT", 100.0),
        ("100тг", 100.0),
        ("150 000 ₸", 150000.0),
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


def test_column_never_raises() -> None:
    values, errors = parse_number_column(["89,8", None, "x", "1 234"])
    assert values == [89.8, None, None, 1234.0]
    assert errors[0] is None and errors[1] is None and errors[3] is None
    assert errors[2] is not None and "'x'" in errors[2]


# -- properties -----------------------------------------------------------------------------

THOUSANDS = st.sampled_from([" ", "\u00a0", "\u202f", "'", "", "."])
UNITS = st.sampled_from(["", " mln. USD", " млн. тенге", " %", "%", " KZT", " тг"])


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
    unit=UNITS,
    minus=st.sampled_from(["-", "−"]),
)
def test_decimal_comma_round_trip(x: float, decimals: int, sep: str, unit: str, minus: str) -> None:
    """Kazakh/Russian style: decimal comma, any thousands separator, a unit suffix."""
    canonical = f"{abs(x):.{decimals}f}"
    expected = math.copysign(float(canonical), x) if float(canonical) else 0.0
    integer, fraction = canonical.split(".")
    text = f"{minus if x < 0 else ''}{group(integer, sep)},{fraction}{unit}"
    result = parse_number(text)
    assert result is not None
    assert math.isclose(result, expected, rel_tol=1e-9, abs_tol=1e-300), text


@settings(max_examples=300, deadline=None)
@given(
    x=st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False),
    decimals=st.integers(min_value=1, max_value=6),
    sep=st.sampled_from([",", " ", "'", ""]),
    unit=UNITS,
)
def test_decimal_point_round_trip(x: float, decimals: int, sep: str, unit: str) -> None:
    """English style: decimal point, comma (or space) thousands, a unit suffix."""
    canonical = f"{x:.{decimals}f}"
    integer, fraction = canonical.lstrip("-").split(".")
    text = f"{'-' if canonical.startswith('-') else ''}{group(integer, sep)}.{fraction}{unit}"
    result = parse_number(text)
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
    """A figure with any unknown word attached is not a figure; unit words are the only exception."""
    known = {"mln", "млн", "usd", "kzt", "тенге", "тг"}
    if text.lower() in known:
        return
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

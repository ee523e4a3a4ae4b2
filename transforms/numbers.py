"""Reading numbers as Kazakh, Russian and English publications print them.

Published tables write ``89,8`` (decimal comma), ``1 234,5`` (space-grouped thousands), ``1,234.5``
(English) and ``−3`` (a typographic minus). A generic ``float()`` rejects most of these and, worse,
locale-blind parsers silently read ``89,8`` as ``898``. This module is the one place that decides
what a published figure means, so every source agrees. It is pure (no I/O).

Separators are *declared, not guessed* (issue 13): each source states its decimal and thousands
separators (:class:`NumberFormat`, the catalogue's ``numbers`` option), with a default per file
format. ``auto`` accepts a reading only when it is the only one: ``89,8`` and ``1 234,5`` and
``1,234.5`` have one reading each, but ``1,234`` is 1.234 with a decimal comma and 1234 with a
grouping comma, so under ``auto`` it is refused with both readings in the message, never guessed.

Unit words are not this module's business: :mod:`transforms.units` splits ``"5 280,0 млн. тенге"``
into the figure and its unit and applies the unit. A figure with letters left in it is refused.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

__all__ = ["NumberFormat", "NumberParseError", "default_format", "parse_number", "parse_number_column"]

Decimal = Literal["auto", ",", "."]
Thousands = Literal["auto", "space", "'", ",", ".", "none"]


class NumberParseError(ValueError):
    """A cell is not a number we can read unambiguously; the message quotes the cell."""


@dataclass(frozen=True)
class NumberFormat:
    """A source's declared separators.

    ``decimal``: ``","``, ``"."`` or ``"auto"`` (either, when the value allows one reading only).
    ``thousands``: ``"space"`` (space, no-break, narrow no-break and thin spaces), ``"'"``
    (apostrophes), ``","``, ``"."``, ``"none"``, or ``"auto"`` (any of those that is not the
    decimal separator).
    """

    decimal: Decimal = "auto"
    thousands: Thousands = "auto"


#: Defaults per file format. CSV is typed by people in every convention, so nothing is assumed.
#: XLSX, JSON and Parquet hold typed numbers, which their readers write with a decimal point and no
#: grouping (``1.234`` is the number 1.234); text cells in them group thousands with spaces, so a
#: lone ``,`` or ``.`` there is a decimal separator.
FORMAT_DEFAULTS: dict[str, NumberFormat] = {
    "csv": NumberFormat("auto", "auto"),
    "xlsx": NumberFormat("auto", "space"),
    "json": NumberFormat("auto", "space"),
    "parquet": NumberFormat("auto", "space"),
}


def default_format(file_format: str, decimal: Decimal | None = None, thousands: Thousands | None = None) -> NumberFormat:
    """The format's default separators, overridden by what the source declares (``None``: not declared)."""
    base = FORMAT_DEFAULTS.get(file_format, NumberFormat())
    return NumberFormat(decimal or base.decimal, thousands or base.thousands)


#: Cells that mean "no value" in published tables (dashes are the usual "not reported").
_MISSING = frozenset({"", "-", "—", "–", "n/a", "na", "н/д", "..."})

#: Quotes that wrap cells in exports (straight, typographic and Russian guillemets).
_QUOTES = "\"'«»“”„‘’`"

#: Characters used as a minus sign in typeset documents.
_MINUS = "-−–‒﹣－"

#: Whitespace-like thousands separators (space, no-break, narrow no-break, thin, figure space) and apostrophes.
_SPACE_SEPARATORS = " \u00a0\u202f\u2009\u2007"
_APOSTROPHES = "'’"

_DIGITS = re.compile(r"\d+")
_EXPONENT = re.compile(r"[eE][+-]?\d+$")


def _fail(text: str, why: str) -> NumberParseError:
    return NumberParseError(f"cannot read a number from {text!r}: {why}")


def _check_grouped(text: str, integer: str, sep: str) -> str:
    """Validate ``1,234,567``-style grouping and return the bare digits.

    Every group after the first must have exactly three digits; anything else ("12,3,4",
    "12 34") is two numbers or garbage, not a thousands-grouped figure.
    """
    groups = integer.split(sep)
    if not (1 <= len(groups[0]) <= 3) or any(len(g) != 3 for g in groups[1:]):
        raise _fail(text, f"{_name(sep)} does not separate groups of three digits")
    if not all(_DIGITS.fullmatch(g) for g in groups):
        raise _fail(text, "unexpected characters between digits")
    return "".join(groups)


def _name(sep: str) -> str:
    return {" ": "a space", "'": "an apostrophe"}.get(sep, repr(sep))


def _allowed_thousands(fmt: NumberFormat, dec: str | None) -> set[str]:
    """The separators that may group thousands, given the decimal separator in use."""
    if fmt.thousands == "none":
        return set()
    if fmt.thousands == "space":
        return {" "}
    if fmt.thousands != "auto":
        return {fmt.thousands}
    allowed = {" ", "'", ",", "."} - {dec or "", fmt.decimal}
    return allowed


def _could_group(integer: str, fraction: str) -> bool:
    """Whether ``integer<sep>fraction`` is also a well-formed thousands grouping (``1,234``, not ``0,123``)."""
    return len(fraction) == 3 and 1 <= len(integer) <= 3 and integer.isdigit() and not integer.startswith("0")


def _decimal_mark(text: str, s: str, fmt: NumberFormat) -> str | None:
    """Which of ``,``/``.`` is the decimal separator in ``s`` (spaces already unified), or None."""
    marks = [c for c in ",." if c in s]
    if fmt.decimal != "auto":
        return fmt.decimal if fmt.decimal in s else None
    if len(marks) == 2:  # 1,234.5 / 1.234,5: the rightmost one is the only possible decimal separator
        return "," if s.rfind(",") > s.rfind(".") else "."
    if not marks:
        return None
    (mark,) = marks
    if fmt.thousands == mark or s.count(mark) > 1:  # 1,234,567: only a grouping separator repeats
        return None
    grouping_elsewhere = " " in s or "'" in s
    may_group = not grouping_elsewhere and mark in _allowed_thousands(fmt, None)
    integer, fraction = s.split(mark)
    if may_group and _could_group(integer, fraction):
        grouped = float(integer + fraction)
        raise _fail(text, f"ambiguous: {integer}.{fraction} with a decimal {mark!r}, or {grouped:g} with {mark!r} "
                          "grouping thousands; declare the source's separators (catalogue option "
                          "numbers: {decimal: ',' or '.'})")
    return mark


def parse_number(text: str | None, decimal: Decimal = "auto", thousands: Thousands = "auto") -> float | None:
    """Parse one published figure; ``None`` for an empty or "not reported" cell.

    Accepted: surrounding whitespace and quotes; a leading ``+`` or minus (ASCII or typographic);
    thousands separators allowed by ``thousands`` (which must separate groups of three digits);
    an exponent (``1.5e-3``), as spreadsheet exports write small numbers.

    The decimal separator: the declared one, or with ``decimal="auto"`` the only possible one —
    the rightmost of ``,`` and ``.`` when both appear (``1,234.5``, ``1.234,5``); none when one of
    them repeats (``1,234,567``); a lone one unless it could also group thousands (``1,234``,
    ``12.345``), which is refused as ambiguous instead of guessed.

    Raises:
        NumberParseError: letters remain (units are :mod:`transforms.units`' job), two numbers are
            present, the separators do not form a well-grouped number (``12,3,4``), a separator
            the source did not declare, or an ambiguous value. The message quotes the original text.
    """
    if text is None:
        return None
    if not isinstance(text, str):
        raise NumberParseError(
            f"cannot read a number from {text!r}: expected text, got {type(text).__name__}"
        )
    fmt = NumberFormat(decimal, thousands)
    s = text.strip().strip(_QUOTES).strip()
    if s.lower() in _MISSING:
        return None

    sign = 1.0
    if s[:1] == "+":
        s = s[1:].lstrip()
    elif s[:1] and s[0] in _MINUS:
        sign = -1.0
        s = s[1:].lstrip()
    if not s:
        raise _fail(text, "a sign without digits")

    exponent = ""
    m = _EXPONENT.search(s)
    if m and s[: m.start()][-1:].isdigit():
        exponent, s = m.group(0), s[: m.start()]

    # Whitespace-like separators are one kind; apostrophes another.
    s = re.sub(f"[{_SPACE_SEPARATORS}]+", " ", s)
    s = re.sub(f"[{_APOSTROPHES}]", "'", s)
    if re.search(r"[^\d.,\s']", s):
        raise _fail(text, "unexpected characters (letters or symbols that are not part of a number)")

    dec = _decimal_mark(text, s, fmt)
    if dec is not None and s.count(dec) > 1:
        raise _fail(text, f"more than one decimal separator {dec!r}")
    integer, fraction = s.split(dec) if dec is not None else (s, "")
    if dec is not None and not fraction:
        raise _fail(text, "nothing after the decimal separator")
    if any(c in fraction for c in " ',."):
        raise _fail(text, f"a separator after the decimal separator {dec!r} (is the source's decimal separator declared right?)")
    if fraction and not _DIGITS.fullmatch(fraction):
        raise _fail(text, "the digits after the decimal separator are not a plain number")

    kinds = {c for c in integer if c in " ',."}
    if len(kinds) > 1:
        raise _fail(text, "mixed thousands separators (or two numbers)")
    if kinds:
        (sep,) = kinds
        if sep not in _allowed_thousands(fmt, dec):
            declared = "" if fmt.thousands == "auto" else f" (this source groups thousands with {fmt.thousands!r})"
            raise _fail(text, f"{_name(sep)} is not a thousands separator here{declared}")
        digits = _check_grouped(text, integer, sep)
    else:
        if integer and not _DIGITS.fullmatch(integer):
            raise _fail(text, "not a number")
        digits = integer
    if not digits and not fraction:
        raise _fail(text, "no digits")

    canonical = f"{digits or '0'}.{fraction or '0'}{exponent}"
    try:
        value = sign * float(canonical)
    except ValueError as exc:  # pragma: no cover - the checks above leave only valid floats
        raise _fail(text, str(exc)) from exc
    if not math.isfinite(value):
        raise _fail(text, "out of range")
    return value


def parse_number_column(
    values: list[str | None], fmt: NumberFormat | None = None
) -> tuple[list[float | None], list[str | None]]:
    """Parse a whole column without raising: ``(numbers, errors)`` aligned with ``values``.

    A row that cannot be read gets ``None`` as its number and the error message in ``errors``
    (``None`` where fine), so the caller can quarantine exactly those rows and keep the rest.
    """
    fmt = fmt or NumberFormat()
    numbers: list[float | None] = []
    errors: list[str | None] = []
    for v in values:
        try:
            numbers.append(parse_number(v, fmt.decimal, fmt.thousands))
            errors.append(None)
        except NumberParseError as exc:
            numbers.append(None)
            errors.append(str(exc))
    return numbers, errors

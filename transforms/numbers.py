"""Reading numbers as Kazakh, Russian and English publications print them.

Published tables write ``89,8`` (decimal comma), ``1 234,5`` (space-grouped thousands),
``6,6 mln. USD`` (unit words glued to the figure) and ``−3`` (a typographic minus). A generic
``float()`` rejects most of these and, worse, locale-blind parsers silently read ``89,8`` as
``898``. This module is the one place that decides what a published figure means, so every
source agrees. It is pure (no I/O) and raises on anything it cannot read unambiguously:
callers quarantine such rows instead of guessing.

Unit words are *stripped, never applied*: ``"6,6 mln. USD"`` is ``6.6``; the unit belongs in
the unit column (or the catalogue), not in a silent multiplication here.
"""

from __future__ import annotations

import math
import re
from typing import Literal

__all__ = ["NumberParseError", "parse_number", "parse_number_column"]


class NumberParseError(ValueError):
    """A cell is not a number we can read unambiguously; the message quotes the cell."""


#: Cells that mean "no value" in published tables (dashes are the usual "not reported").
_MISSING = frozenset({"", "-", "—", "–", "n/a", "na", "н/д", "..."})

#: Quotes that wrap cells in exports (straight, typographic and Russian guillemets).
_QUOTES = "\"'«»“”„‘’`"

#: Characters used as a minus sign in typeset documents.
_MINUS = "-−–‒﹣－"

#: Whitespace-like thousands separators (space, no-break, narrow no-break, thin) and apostrophes.
_SPACE_SEPARATORS = " \u00a0\u202f\u2009\u2007"
_APOSTROPHES = "'’"

#: Unit words that may precede or follow a figure; matched only as whole words (not inside
#: another word) so that e.g. "тенгеризация" is not mistaken for "тенге".
_UNIT_WORD = r"(?:mln|млн|usd|kzt|тенге|тг|₸)\.?"
_NOT_LETTER_BEFORE = r"(?<![^\W\d_])"
_NOT_LETTER_AFTER = r"(?![^\W\d_])"
_UNIT_AT_END = re.compile(rf"(?:{_NOT_LETTER_BEFORE}{_UNIT_WORD}{_NOT_LETTER_AFTER}|%)\s*$", re.IGNORECASE)
_UNIT_AT_START = re.compile(rf"^\s*(?:{_NOT_LETTER_BEFORE}{_UNIT_WORD}{_NOT_LETTER_AFTER}|%)", re.IGNORECASE)

_DIGITS = re.compile(r"\d+")
_EXPONENT = re.compile(r"[eE][+-]?\d+$")


def _fail(text: str, why: str) -> NumberParseError:
    return NumberParseError(f"cannot read a number from {text!r}: {why}")


def _strip_units(s: str) -> str:
    """Remove unit words from both ends, repeatedly ("6,6 mln. USD" has two).

    Only the ends: a unit word between digits ("1 USD 234") must not glue two numbers into one.
    """
    while True:
        stripped = _UNIT_AT_END.sub("", s).strip()
        stripped = _UNIT_AT_START.sub("", stripped).strip()
        if stripped == s:
            return s
        s = stripped


def _check_grouped(text: str, integer: str, sep: str) -> str:
    """Validate ``1,234,567``-style grouping and return the bare digits.

    Every group after the first must have exactly three digits; anything else ("12,3,4",
    "12 34") is two numbers or garbage, not a thousands-grouped figure.
    """
    groups = integer.split(sep)
    if not (1 <= len(groups[0]) <= 3) or any(len(g) != 3 for g in groups[1:]):
        raise _fail(text, f"{sep!r} does not separate groups of three digits")
    if not all(_DIGITS.fullmatch(g) for g in groups):
        raise _fail(text, "unexpected characters between digits")
    return "".join(groups)


def parse_number(text: str | None, decimal: Literal["auto", ",", "."] = "auto") -> float | None:
    """Parse one published figure; ``None`` for an empty or "not reported" cell.

    Accepted: surrounding whitespace and quotes; a leading ``+`` or minus (ASCII or typographic);
    unit words at either end (``mln``, ``mln.``, ``млн``, ``млн.``, ``USD``, ``KZT``, ``тенге``,
    ``тг``, ``₸``, ``%``), which are stripped without scaling; thousands separators (space,
    no-break space U+00A0, narrow no-break space U+202F, thin space, apostrophe, and the comma
    or dot that is not the decimal separator), which must separate groups of three digits;
    an exponent (``1.5e-3``), as spreadsheet exports write small numbers.

    The decimal separator with ``decimal="auto"``:

    * both ``,`` and ``.`` present: the rightmost one is the decimal separator and the other
      groups thousands (``1,234.5`` and ``1.234,5`` are both 1234.5);
    * only one of them, occurring once: it is the decimal separator, because Kazakh and
      Russian tables use decimal commas (``89,8`` is 89.8 and ``1,234`` is **1.234**);
    * only one of them, occurring more than once: it groups thousands (``1,234,567``).

    With ``decimal="," or "."`` the given character is the decimal separator and the other one
    may only group thousands.

    Raises:
        NumberParseError: letters remain after stripping unit words, two numbers are present,
            or the separators do not form a well-grouped number (``12,3,4``). The message
            quotes the original text so the quarantined row can be found.
    """
    if text is None:
        return None
    if not isinstance(text, str):
        raise NumberParseError(
            f"cannot read a number from {text!r}: expected text, got {type(text).__name__}"
        )
    s = text.strip().strip(_QUOTES).strip()
    if s.lower() in _MISSING:
        return None
    s = _strip_units(s)
    if s.lower() in _MISSING:
        raise _fail(text, "a unit without a figure")

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

    # Whitespace and apostrophes can only group thousands; normalise them to one marker.
    spaced = re.sub(f"[{_SPACE_SEPARATORS}]+", " ", s)
    spaced = re.sub(f"[{_APOSTROPHES}]", " ", spaced)
    if re.search(r"[^\d.,\s]", spaced):
        raise _fail(text, "unexpected characters (letters or symbols that are not a known unit)")

    commas, dots = spaced.count(","), spaced.count(".")
    if decimal == "auto":
        if commas and dots:
            dec: str | None = "," if spaced.rfind(",") > spaced.rfind(".") else "."
        elif commas == 1 or dots == 1:
            dec = "," if commas else "."
        else:
            dec = None
    else:
        dec = decimal
    thousands = {",": ".", ".": ","}.get(dec or "")

    if dec is not None and spaced.count(dec) > 1:
        raise _fail(text, f"more than one decimal separator {dec!r}")
    if dec is not None and dec in spaced:
        integer, fraction = spaced.split(dec)
    else:
        integer, fraction = spaced, ""
    if fraction and not _DIGITS.fullmatch(fraction):
        raise _fail(text, "the digits after the decimal separator are not a plain number")
    if dec is not None and dec in spaced and not fraction:
        raise _fail(text, "nothing after the decimal separator")

    # Which thousands separators appear in the integer part? At most one kind may.
    kinds = {c for c in integer if c in " ,."}
    if dec is None and commas + dots:
        kinds |= {","} if commas else {"."}
    if thousands is not None and thousands in fraction:
        raise _fail(text, "a thousands separator after the decimal separator")
    if len(kinds) > 1:
        raise _fail(text, "mixed thousands separators (or two numbers)")
    if kinds:
        (sep,) = kinds
        if dec is not None and sep == dec:
            raise _fail(text, "separator used both for decimals and thousands")
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


def parse_number_column(values: list[str | None]) -> tuple[list[float | None], list[str | None]]:
    """Parse a whole column without raising: ``(numbers, errors)`` aligned with ``values``.

    A row that cannot be read gets ``None`` as its number and the error message in ``errors``
    (``None`` where fine), so the caller can quarantine exactly those rows and keep the rest.
    """
    numbers: list[float | None] = []
    errors: list[str | None] = []
    for v in values:
        try:
            numbers.append(parse_number(v))
            errors.append(None)
        except NumberParseError as exc:
            numbers.append(None)
            errors.append(str(exc))
    return numbers, errors

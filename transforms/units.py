"""Units are data: read a value's unit as people write it, convert it to the indicator's unit or refuse (pure).

Why: a payroll file in "5 280,0 млн. тенге" was stored as 5,280 mln USD because unit words were
stripped and never applied, and a public-services score of 4.59 out of 5 passed as "4.59 %". Here a
value is read *with* its unit — from the cell ("5 280,0 млн. тенге"), the long frame's ``unit_text``
(a unit column, a units row or a unit in the header, filled by the readers), or the value's header
("Фонд оплаты труда, млн. тенге") — in Russian, Kazakh or English, and then:

* a unit that converts to the indicator's declared unit (``data/reference/indicators.csv``) is
  converted: by magnitude (тыс./млн/млрд), or by a rule of ``data/reference/unit_conversions.csv``
  (tenge to dollars by the year's ``usd_kzt`` rate from the warehouse), and the conversion is kept as
  the value's lineage (original text, unit, where the unit was found, factor, rate and its source);
* a unit that does not convert (a score out of 5 into a % indicator) is refused with that reason, or
  stored as its own indicator where ``data/reference/unit_alternatives.csv`` declares one;
* a number without any unit is taken in the declared unit only when the source says so
  (catalogue ``units: {assume_declared: true}``); otherwise it is refused, never assumed.

The vocabulary (``data/reference/unit_words.csv``) and the rules are reference data: a new unit word
or conversion is a row, not code.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

import polars as pl

from pilotwatch import DATA_DIR
from transforms.numbers import NumberFormat, NumberParseError, parse_number

REFERENCE = DATA_DIR / "reference"

#: Lineage columns added to every fact (stored in core.value_lineage, shown in mart.value_lineage).
LINEAGE_COLUMNS = ["value_text", "unit_found", "unit_source", "from_unit", "factor", "rate", "rate_series", "rate_year"]

_MAGNITUDE_NAMES = {1e3: "thousand", 1e6: "mln", 1e9: "bn"}


class UnitError(ValueError):
    """A unit that cannot be read, or that does not convert to the indicator's unit; says which and why."""


@dataclass(frozen=True)
class Unit:
    """A unit as a base (``%``, ``points``, ``KZT``, ``USD``, ``persons``), a magnitude and, for scores, a scale."""

    base: str
    magnitude: float = 1.0
    scale: float | None = None

    @property
    def kind(self) -> str:
        """The unit without its magnitude: what conversion rules are written for (``points of 5``, ``KZT``)."""
        if self.base == "points":
            return f"points of {self.scale:g}" if self.scale else "points"
        return self.base

    @property
    def label(self) -> str:
        """How pilotwatch writes the unit (``mln KZT``, ``points of 5``, ``%``): as in indicators.csv."""
        if self.magnitude == 1:
            return self.kind
        return f"{_MAGNITUDE_NAMES.get(self.magnitude, f'x{self.magnitude:g}')} {self.kind}"


@dataclass(frozen=True)
class Conversion:
    """A value converted to a unit, with what it took (the lineage)."""

    value: float
    factor: float
    rate: float | None = None
    rate_series: str | None = None


# ---------------------------------------------------------------- reference data


@cache
def _words() -> tuple[tuple[str, str, str], ...]:
    """(normalised word, part, value), longest first so "долл. сша" wins over "долл."."""
    frame = pl.read_csv(REFERENCE / "unit_words.csv", infer_schema_length=0)
    rows = {(_norm(w), p, v) for w, p, v in frame.select("word", "part", "value").iter_rows()}
    return tuple(sorted(rows, key=lambda r: (-len(r[0]), r[0])))


@cache
def _conversions() -> dict[tuple[str, str], dict[str, str | None]]:
    frame = pl.read_csv(REFERENCE / "unit_conversions.csv", infer_schema_length=0)
    return {(r["from_unit"], r["to_unit"]): r for r in frame.iter_rows(named=True)}


@cache
def _alternatives() -> dict[tuple[str, str], str]:
    frame = pl.read_csv(REFERENCE / "unit_alternatives.csv", infer_schema_length=0)
    return {(i, read_unit(u).label): s for i, u, s in frame.select("indicator", "unit", "stored_as").iter_rows()}


# ---------------------------------------------------------------- reading units


def _norm(text: str) -> str:
    s = unicodedata.normalize("NFKC", text).casefold().replace("\u00a0", " ")
    return re.sub(r"\s+", " ", s).strip()


#: "из 5", "out of 100", "of 5", "/5", "по 5-балльной шкале", "5-балльная", "(max 5)", "5 ұпайдан".
_SCALE = re.compile(
    r"(?:(?:из|out of|of|/|max\.?|макс\.?|по)\s*(?P<a>\d+)(?:\s*-?\s*(?:балльн\w*|point)\s*(?:шкал\w*|scale)?)?"
    r"|(?P<b>\d+)\s*-?\s*(?:балльн\w*|point|ұпайдан|балдан|балдық)(?:\s*(?:шкал\w*|scale|жүйе\w*))?)"
)


@lru_cache(maxsize=4096)  # pure; a load reads the same few unit texts for every value
def read_unit(text: str) -> Unit:
    """Read a unit as written ("млн. тенге", "mln USD", "баллов из 5", "тыс. долл. США", "%").

    Raises :class:`UnitError` for words that are not in the vocabulary (a typo must not vanish) and
    for combinations that mean nothing ("тыс. %", two currencies).
    """
    original = text
    s = _norm(text).strip(" ,;:()[]")
    scale: float | None = None
    m = _SCALE.search(s)
    if m:
        scale = float(m.group("a") or m.group("b"))
        s = (s[: m.start()] + " " + s[m.end():]).strip()
    bases: list[str] = []
    magnitude = 1.0
    pos = 0
    while pos < len(s):
        if s[pos] in " ,;:()[]-":
            pos += 1
            continue
        for word, part, value in _words():
            end = pos + len(word)
            if s.startswith(word, pos) and (end == len(s) or not s[end].isalnum() or not word[-1].isalnum()):
                if part == "base":
                    bases.append(value)
                else:
                    magnitude *= float(value)
                pos = end
                break
        else:
            rest = s[pos:].split(" ")[0]
            raise UnitError(f"unknown unit {original!r}: {rest!r} is not a unit word (data/reference/unit_words.csv)")
    if scale is not None and not bases:
        bases = ["points"]
    if len(set(bases)) != 1:
        what = "no unit word" if not bases else f"several units ({', '.join(dict.fromkeys(bases))})"
        raise UnitError(f"unknown unit {original!r}: {what}")
    base = bases[0]
    if base in ("%", "points") and magnitude != 1:
        raise UnitError(f"unknown unit {original!r}: a magnitude (thousand, mln, bn) on {base}")
    if scale is not None and base != "points":
        raise UnitError(f"unknown unit {original!r}: a scale ('out of {scale:g}') on {base}")
    return Unit(base, magnitude, scale)


_FIGURE = re.compile(r"[+\-−–]?\s*\d[\d\s\u00a0\u202f\u2009\u2007'’.,]*(?:[eE][+-]?\d+)?")


def split_cell(text: str | None) -> tuple[str | None, str | None]:
    """``"5 280,0 млн. тенге"`` → ``("5 280,0", "млн. тенге")``; ``"$6.6m"`` → ``("6.6", "$ m")``.

    The figure is the first run of digits (with signs and separators); what precedes and follows it
    is the unit text (``None`` when there is none). A cell without digits is returned as it is.
    """
    if text is None:
        return None, None
    m = _FIGURE.search(text)
    if not m:
        return text, None
    unit = " ".join(p.strip() for p in (text[: m.start()], text[m.end():]) if p.strip())
    unit = unit.strip().strip("\"'«»“”")
    return m.group(0).strip(), unit or None


@lru_cache(maxsize=4096)
def unit_in_header(header: str | None) -> str | None:
    """The unit a header carries ("Фонд оплаты труда, млн. тенге", "Agency …, %", "Оценка (балл из 5)")."""
    if not header:
        return None
    candidates = []
    if "," in header:
        candidates.append(header.rsplit(",", 1)[1])
    m = re.search(r"\(([^()]*)\)\s*$", header)
    if m:
        candidates.append(m.group(1))
    for c in candidates:
        try:
            read_unit(c)
        except UnitError:
            continue
        return c.strip()
    return None


# ---------------------------------------------------------------- converting


def convert(value: float, frm: Unit, to: Unit, year: int, rates: dict[tuple[str, int], float]) -> Conversion:
    """``value`` in ``frm`` expressed in ``to``; :class:`UnitError` with the reason when it does not convert."""
    if frm.kind == to.kind:
        factor = frm.magnitude / to.magnitude
        return Conversion(value * factor, factor)
    rule = _conversions().get((frm.kind, to.kind))
    if rule is None:
        raise UnitError(f"{frm.label} does not convert to {to.label}"
                        + (" (a score is not a percentage)" if frm.base == "points" else ""))
    factor = frm.magnitude / to.magnitude * float(rule["factor"] or 1)
    series = rule["rate_series"]
    if not series:
        return Conversion(value * factor, factor)
    rate = rates.get((series, year))
    if rate is None or not math.isfinite(rate) or rate <= 0:
        raise UnitError(f"{frm.label} converts to {to.label} by the {year} {series} rate, which is not in the "
                        f"warehouse (mart.macro): load the macro source first")
    factor = factor / rate if rule["rate_operation"] == "divide" else factor * rate
    return Conversion(value * factor, factor, rate, series)


# ---------------------------------------------------------------- a frame of facts


def apply_units(
    df: pl.DataFrame,
    indicators: pl.DataFrame,
    rates: pl.DataFrame | None,
    *,
    numbers: NumberFormat,
    assume_declared: bool,
) -> pl.DataFrame:
    """Parse ``value_text`` with its unit and convert it to the indicator's declared unit.

    Returns ``df`` with ``value`` (converted; null when refused or blank), ``value_error`` (why it
    was refused), ``indicator``/``unit``/``min_value``/``max_value`` (an alternative indicator's,
    where the value was stored as one) and the :data:`LINEAGE_COLUMNS`.

    ``df`` carries ``_row, _column, year, indicator, unit`` (declared), ``value_text``, ``unit_text``;
    ``indicators`` the registry (for alternatives' units and ranges); ``rates`` ``series, year, value``.
    A blank cell keeps ``value`` null with no error (the caller calls it a missing value).
    """
    rate_map = {} if rates is None else {(s, int(y)): float(v) for s, y, v in rates.select("series", "year", "value").iter_rows()}
    registry = {r["indicator"]: r for r in indicators.iter_rows(named=True)}
    out: dict[str, list[object]] = {k: [] for k in ["value", "value_error", "indicator", "unit", "min_value", "max_value",
                                                    *LINEAGE_COLUMNS]}
    for row in df.iter_rows(named=True):
        rec: dict[str, object] = dict.fromkeys(out)
        rec.update(indicator=row["indicator"], unit=row["unit"], min_value=row["min_value"],
                   max_value=row["max_value"], value_text=row["value_text"])
        try:
            _read_one(row, rec, registry, rate_map, numbers, assume_declared)
        except (UnitError, NumberParseError) as exc:
            text = repr(row["value_text"])
            rec["value"], rec["value_error"] = None, str(exc) if text in str(exc) else f"{text}: {exc}"
        for k in out:
            out[k].append(rec[k])
    types = {"value": pl.Float64, "min_value": pl.Float64, "max_value": pl.Float64, "factor": pl.Float64,
             "rate": pl.Float64, "rate_year": pl.Int64}
    cols = [pl.Series(k, v, dtype=types.get(k, pl.String)) for k, v in out.items()]
    return df.drop([c for c in out if c in df.columns]).with_columns(cols)


def _read_one(row: dict, rec: dict, registry: dict, rates: dict, numbers: NumberFormat, assume: bool) -> None:
    figure, cell_unit = split_cell(row["value_text"])
    value = parse_number(figure, numbers.decimal, numbers.thousands)
    if value is None:
        if cell_unit:
            raise UnitError(f"a unit {cell_unit!r} without a figure in {row['value_text']!r}")
        return
    declared = read_unit(row["unit"])
    found, source = cell_unit, "cell"
    if not found and row.get("unit_text"):
        found, source = row["unit_text"], "unit column"
    if not found:
        found, source = unit_in_header(row.get("_column")), "header"
    if found:
        unit = read_unit(found)
    elif assume:
        unit, source = declared, "assumed (catalogue units.assume_declared)"
    else:
        raise UnitError(f"no unit for {row['value_text']!r} (none in the cell, a unit column or the header) and the "
                        f"source does not declare units: {{assume_declared: true}}; {row['indicator']} is in {declared.label}")
    indicator = row["indicator"]
    try:
        conv = convert(value, unit, declared, int(row["year"]), rates)
    except UnitError as exc:
        alternative = _alternatives().get((indicator, unit.label))
        if alternative is None or alternative not in registry:
            raise UnitError(f"{row['value_text']!r} is in {unit.label} ({source}): {exc}; {indicator} is declared "
                            f"in {declared.label}") from None
        alt = registry[alternative]
        conv = convert(value, unit, read_unit(alt["unit"]), int(row["year"]), rates)
        indicator = alternative
        rec.update(indicator=alternative, unit=alt["unit"], min_value=alt["min_value"], max_value=alt["max_value"])
    rec.update(value=conv.value, unit_found=found, unit_source=source, from_unit=unit.label, factor=conv.factor,
               rate=conv.rate, rate_series=conv.rate_series, rate_year=int(row["year"]) if conv.rate_series else None)

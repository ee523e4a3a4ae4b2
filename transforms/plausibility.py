"""Plausibility against history: is a value far outside its body's own record? (pure)

Why: "5 280,0 млн. тенге" once went in as 5,280 mln USD next to 12.0 the year before, and 4.59 (a
score out of 5) as "4.59 %" next to 85. Both pass any fixed range. What gives them away is the body's
own history: a value more than ``max_ratio`` times (or less than ``1/max_ratio`` of) the median of
the body's other years is held as a *suspected unit or scale error* with that history — not loaded,
so not alerted on as a decline — until an analyst releases it. The ratio is per indicator
(``data/reference/plausibility.csv``; ``*`` is the default), and a ratio near a power of ten is named
as the scale change it looks like.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

import polars as pl

#: How many of the body's nearest other years the value is compared with.
HISTORY_YEARS = 5


@dataclass(frozen=True)
class Screened:
    kept: pl.DataFrame
    held: pl.DataFrame  # the held rows of ``candidates`` plus ``reason`` and ``history`` (JSON text)


def _scale_hint(ratio: float) -> str:
    """ "; looks like a x1000 scale change" when the ratio is within ~40 % of a power of ten."""
    k = round(math.log10(ratio))
    if k != 0 and abs(math.log10(ratio) - k) < 0.15:
        return f"; looks like a x{10 ** k:g} scale change" if k > 0 else f"; looks like a 1/{10 ** -k:g} scale change"
    return ""


def _max_ratio(rules: dict[str, float], indicator: str) -> float:
    return rules.get(indicator, rules.get("*", math.inf))


def screen(candidates: pl.DataFrame, history: pl.DataFrame, rules: dict[str, float]) -> Screened:
    """Split ``candidates`` (``body_code, year, indicator, value, unit``) into kept and held.

    ``history``: the warehouse's values (``body_code, year, indicator, value``). The history of a
    candidate is its body's and indicator's values in *other* years, from the warehouse and from the
    other candidates (a whole series loaded at once is checked against itself); a value with no
    history, or a zero on either side, is kept.
    """
    if candidates.is_empty():
        return Screened(candidates, candidates.with_columns(reason=pl.lit(""), history=pl.lit("")).clear())
    known: dict[tuple[str, str], dict[int, float]] = {}
    for b, y, i, v in history.select("body_code", "year", "indicator", "value").iter_rows():
        known.setdefault((b, i), {})[int(y)] = float(v)
    batch: dict[tuple[str, str], dict[int, float]] = {}
    for b, y, i, v in candidates.select("body_code", "year", "indicator", "value").iter_rows():
        batch.setdefault((b, i), {})[int(y)] = float(v)
    reasons: list[str | None] = []
    histories: list[str | None] = []
    for b, y, i, v, unit in candidates.select("body_code", "year", "indicator", "value", "unit").iter_rows():
        others = {**known.get((b, i), {}), **batch.get((b, i), {})}
        others.pop(int(y), None)
        nearest = dict(sorted(sorted(others.items(), key=lambda kv: abs(kv[0] - y))[:HISTORY_YEARS]))
        limit = _max_ratio(rules, i)
        ref = statistics.median(nearest.values()) if nearest else 0.0
        if not nearest or ref == 0 or v == 0 or math.isinf(limit):
            reasons.append(None)
            histories.append(None)
            continue
        ratio = abs(v / ref)
        if 1 / limit <= ratio <= limit:
            reasons.append(None)
            histories.append(None)
            continue
        shown = ", ".join(f"{yy}: {vv:g}" for yy, vv in nearest.items())
        reasons.append(f"suspected unit or scale error: {v:g} {unit} is x{ratio:.3g} the median {ref:g} of "
                       f"{b}'s {i} in other years ({shown}; more than x{limit:g} apart){_scale_hint(ratio)}")
        histories.append("{" + ", ".join(f'"{yy}": {vv!r}' for yy, vv in nearest.items()) + "}")
    marked = candidates.with_columns(reason=pl.Series(reasons, dtype=pl.String),
                                     history=pl.Series(histories, dtype=pl.String))
    held = marked.filter(pl.col("reason").is_not_null())
    return Screened(marked.filter(pl.col("reason").is_null()).drop("reason", "history"), held)

"""Series breaks (pure): where an indicator's values stop being comparable with earlier years.

A method change (the Evaluation Center's 2020 goal-achievement block) or a change of scale (scores
out of 5 instead of percentages) starts a new series. Two values of one indicator straddle a break
when one year lies before the break's ``first_year`` and the other on or after it; a rise or fall
between them is not a change of performance, so effects, verdicts and alerts say so instead of
reading it as one. The reference rows are ``data/reference/series_breaks.csv``; the same test in
SQL is ``core.factor_effect_breaks`` (migration 012), and :func:`label` is the words both use.
"""

from __future__ import annotations

import polars as pl

KINDS = ("method", "scale")
COLUMNS = ["indicator", "first_year", "kind", "method_before", "method_after", "note"]


def check(breaks: pl.DataFrame, indicators: set[str]) -> list[str]:
    """Problems in the reference rows, each naming the row (1-based, after the header) and column."""
    problems = []
    missing = [c for c in COLUMNS if c not in breaks.columns]
    if missing:
        return [f"series_breaks.csv: missing column(s) {missing}"]
    for n, r in enumerate(breaks.iter_rows(named=True), start=1):
        where = f"series_breaks.csv row {n}"
        if r["indicator"] not in indicators:
            problems.append(f"{where}: column indicator: unknown indicator {r['indicator']!r}")
        if r["kind"] not in KINDS:
            problems.append(f"{where}: column kind: {r['kind']!r} is not one of {list(KINDS)}")
        year = str(r["first_year"] or "")
        if not (year.isdigit() and len(year) == 4):
            problems.append(f"{where}: column first_year: {r['first_year']!r} is not a year")
    keys = breaks.select("indicator", "first_year")
    for row in keys.filter(keys.is_duplicated()).unique().iter_rows():
        problems.append(f"series_breaks.csv: break {row[0]} {row[1]} is listed twice")
    return problems


def label(indicator: str, first_year: int, kind: str) -> str:
    """How a break is named in mart columns, alert notes and observations."""
    return f"{indicator} from {first_year} ({kind})"


def straddled(breaks: pl.DataFrame, indicator: str, years: list[int]) -> list[str]:
    """The breaks of ``indicator`` that the compared ``years`` straddle (labels, oldest first)."""
    if not years or breaks.is_empty():
        return []
    lo, hi = min(years), max(years)
    rows = breaks.filter((pl.col("indicator") == indicator) & (pl.col("first_year") > lo)
                         & (pl.col("first_year") <= hi)).sort("first_year")
    return [label(r["indicator"], r["first_year"], r["kind"]) for r in rows.iter_rows(named=True)]


def mark(pairs: pl.DataFrame, breaks: pl.DataFrame, *, from_col: str = "prev_year",
         to_col: str = "year") -> pl.DataFrame:
    """``pairs`` (one comparison of ``indicator`` between two years per row) with ``series_break``:
    the label of the latest break the two years straddle, null when they measure one series."""
    if breaks.is_empty() or pairs.is_empty():
        return pairs.with_columns(series_break=pl.lit(None, dtype=pl.String))
    b = breaks.select("indicator", pl.col("first_year").cast(pl.Int32), "kind")
    keyed = pairs.with_row_index("_pair")
    hits = (keyed.select("_pair", "indicator", from_col, to_col)
            .join(b, on="indicator", how="inner")
            .filter((pl.col("first_year") > pl.min_horizontal(from_col, to_col))
                    & (pl.col("first_year") <= pl.max_horizontal(from_col, to_col)))
            .sort("first_year")
            .group_by("_pair").agg(pl.col("first_year").last(), pl.col("kind").last(), pl.col("indicator").last())
            .select("_pair", series_break=pl.concat_str(
                pl.col("indicator"), pl.lit(" from "), pl.col("first_year").cast(pl.String),
                pl.lit(" ("), pl.col("kind"), pl.lit(")"))))
    return keyed.join(hits, on="_pair", how="left").sort("_pair").drop("_pair")

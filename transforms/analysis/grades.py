"""The Evaluation Center's grades per body-year (thesis 1.3.3): 90 and over high, 70-89.99 average,
50-69.99 low, under 50 inefficient (pure)."""

from __future__ import annotations

import polars as pl

#: (grade, lower bound) from the highest band down; anything below the last bound is ``inefficient``.
DEFAULT_BANDS: list[tuple[str, float]] = [("high", 90.0), ("average", 70.0), ("low", 50.0)]
BOTTOM = "inefficient"


def grade_expr(value: pl.Expr, bands: list[tuple[str, float]] = DEFAULT_BANDS) -> pl.Expr:
    """The grade of ``value`` (null stays null). ``bands`` are lower bounds, highest first."""
    ordered = sorted(bands, key=lambda b: b[1], reverse=True)
    expr = pl.when(value.is_null()).then(pl.lit(None, dtype=pl.String))
    for name, lower in ordered:
        expr = expr.when(value >= lower).then(pl.lit(name))
    return expr.otherwise(pl.lit(BOTTOM))


def grades(facts: pl.DataFrame, indicator: str = "overall_effectiveness",
           bands: list[tuple[str, float]] = DEFAULT_BANDS) -> pl.DataFrame:
    """One row per body (and peer group) and year with a value of ``indicator``: its grade and band.

    ``band_from`` / ``band_to``: the band's bounds (``band_to`` exclusive, null for the top band).
    """
    ordered = sorted(bands, key=lambda b: b[1], reverse=True)
    names = [n for n, _ in ordered] + [BOTTOM]
    lowers = [lo for _, lo in ordered] + [None]
    uppers = [None] + [lo for _, lo in ordered]
    table = pl.DataFrame({"grade": names, "band_from": lowers, "band_to": uppers},
                         schema={"grade": pl.String, "band_from": pl.Float64, "band_to": pl.Float64})
    return (
        facts.filter(pl.col("indicator") == indicator)
        .select("body_code", pl.col("year").cast(pl.Int32), "indicator", pl.col("value").cast(pl.Float64))
        .with_columns(grade=grade_expr(pl.col("value"), bands))
        .join(table, on="grade", how="left")
        .sort("body_code", "year")
    )

"""Analysis windows per pilot body: base year, pilot start, last year, peer group (pure).

Every analysis (CER, factor effects) compares a body's values between years of its window. A body
whose window cannot be set (no pilot start year, no values at all) is kept, with what is missing,
so downstream results say ``insufficient_data`` instead of leaving a silent gap.
"""

from __future__ import annotations

import polars as pl

WINDOW_COLUMNS = ["body_code", "peer_code", "pilot_start_year", "base_year", "end_year", "window_missing"]


def select_basis(facts: pl.DataFrame, priority: list[str]) -> pl.DataFrame:
    """One value per body-year-indicator: the first basis in ``priority`` that has one.

    ``facts``: body_code, year, indicator, value, basis (and anything else, kept).
    """
    rank = pl.col("basis").replace_strict(priority, list(range(len(priority))), default=None, return_dtype=pl.Int32)
    return (
        facts.with_columns(_rank=rank)
        .filter(pl.col("_rank").is_not_null())
        .filter(pl.col("_rank") == pl.col("_rank").min().over("body_code", "year", "indicator"))
        .drop("_rank")
    )


def pilot_windows(
    bodies: pl.DataFrame,
    facts: pl.DataFrame,
    *,
    base_year: int | None = None,
    end_year: int | None = None,
    peer_group: str = "registry",
) -> pl.DataFrame:
    """One row per pilot body (``kind = 'body'`` and ``pilot``) with its analysis window.

    ``base_year``: a fixed year, or None for the year before each body's pilot start.
    ``end_year``: a fixed year, or None for the body's latest year with any value.
    ``peer_group``: ``registry`` (the body's ``peer_group``) or one body code used for every body.
    ``window_missing`` lists what prevents a window (empty when the window is usable).
    """
    latest = facts.group_by("body_code").agg(pl.col("year").max().alias("_latest"))
    start = pl.col("pilot_start_year")
    out = (
        bodies.filter((pl.col("kind") == "body") & pl.col("pilot"))
        .join(latest, on="body_code", how="left")
        .select(
            "body_code",
            (pl.col("peer_group") if peer_group == "registry" else pl.lit(peer_group)).cast(pl.String).alias("peer_code"),
            start.cast(pl.Int64),
            (pl.lit(base_year, dtype=pl.Int64) if base_year is not None else start.cast(pl.Int64) - 1).alias("base_year"),
            (pl.lit(end_year, dtype=pl.Int64) if end_year is not None else pl.col("_latest").cast(pl.Int64)).alias(
                "end_year"
            ),
            pl.col("_latest").is_not_null().alias("_has_values"),
        )
    )
    problems = [
        pl.when(pl.col("pilot_start_year").is_null()).then(pl.lit("pilot_start_year (core.bodies)")),
        pl.when(~pl.col("_has_values")).then(pl.lit("any indicator value (mart.indicator_values)")),
        pl.when(pl.col("end_year") <= pl.col("base_year")).then(
            pl.format("a year after the base year {}", pl.col("base_year"))
        ),
        pl.when(pl.col("end_year") < pl.col("pilot_start_year")).then(
            pl.format("a pilot year (the pilot starts in {})", pl.col("pilot_start_year"))
        ),
    ]
    return (
        out.with_columns(window_missing=pl.concat_list(problems).list.drop_nulls())
        .select(WINDOW_COLUMNS)
        .sort("body_code")
    )

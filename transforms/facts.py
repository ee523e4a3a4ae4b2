"""Typed indicator facts from long source rows, with a reason for every row refused (pure).

Parsing and resolution live here (a value that is not a number, a body nobody knows); the domain
rules (ranges, sane years, one value per key) live in the pandera schemas under ``schemas/``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from schemas.rejects import empty_rejects, refuse
from transforms.numbers import NumberFormat, parse_number_column
from transforms.registry import body_candidates, resolve_bodies, resolve_indicators
from transforms.units import LINEAGE_COLUMNS, apply_units, split_cell

FACT_COLUMNS = ["_row", "body_code", "year", "indicator", "value", "unit", "min_value", "max_value"]
MACRO_COLUMNS = ["_row", "series", "year", "value", "unit"]


@dataclass(frozen=True)
class Prepared:
    accepted: pl.DataFrame
    rejected: pl.DataFrame  # schemas.rejects.REJECTS: _row, column_name, reason
    skipped_other_dataset: int
    skipped_other_year: int


def header(headers: Mapping[str, str | None], field: str) -> pl.Expr:
    """The source header of ``field`` (``transforms.reshape.source_headers``); the value's own column
    (``_column``) where the field is spread over columns (the bodies of a wide table) or unmapped."""
    name = headers.get(field)
    return pl.lit(name, dtype=pl.String) if name else pl.col("_column")


def parse_years(long: pl.DataFrame) -> pl.DataFrame:
    """``year`` from ``year_text`` ("2017", "2017.0", " 2017 г."); null when unreadable."""
    return long.with_columns(
        year=pl.col("year_text").str.strip_chars().str.extract(r"^(\d{4})(?:\.0+)?(?:\s*(?:г\.?|год|year))?$", 1).cast(pl.Int64)
    )


def parse_values(long: pl.DataFrame, numbers: NumberFormat | None = None) -> pl.DataFrame:
    """``value``, ``value_error`` and ``cell_unit`` from ``value_text`` (macro series: no conversion, a
    series is stored in the unit its source states, from the unit column or else the cell)."""
    split = [split_cell(v) for v in long["value_text"].to_list()]
    values, errors = parse_number_column([f for f, _ in split], numbers)
    return long.with_columns(
        value=pl.Series(values, dtype=pl.Float64), value_error=pl.Series(errors, dtype=pl.String),
        cell_unit=pl.Series([u for _, u in split], dtype=pl.String),
    )


def dedupe(frame: pl.DataFrame, key: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Drop exact repeats (keeping the first) and refuse every row of a key with conflicting values."""
    frame = frame.with_columns(_first=pl.col("_row").min().over([*key, "value"]))
    repeats = frame.filter(pl.col("_row") != pl.col("_first"))
    frame = frame.filter(pl.col("_row") == pl.col("_first"))
    n_values = pl.col("value").n_unique().over(key)
    conflicting = frame.filter(n_values > 1)
    kept = frame.filter(n_values == 1).drop("_first")
    listing = (
        conflicting.group_by(key)
        .agg(pl.format("row {} = {}", pl.col("_row"), pl.col("value")).sort().str.join("; ").alias("_list"))
    )
    conflicting = conflicting.join(listing, on=key, how="left")
    key_text = pl.concat_str([pl.col(k).cast(pl.String) for k in key], separator="/")
    rejects = pl.concat(
        [
            refuse(repeats, pl.col("_column"),
                     pl.format("duplicate of row {} (same {} and value)", pl.col("_first"), key_text)),
            refuse(conflicting, pl.col("_column"),
                     pl.format("conflicting values for {}: {}", key_text, pl.col("_list"))),
        ]
    )
    return kept, rejects


def prepare_facts(
    long: pl.DataFrame,
    dataset: str,
    aliases: pl.DataFrame,
    labels: pl.DataFrame,
    indicators: pl.DataFrame,
    years: list[int] | None = None,
    headers: Mapping[str, str | None] | None = None,
    *,
    numbers: NumberFormat | None = None,
    assume_declared: bool = False,
    rates: pl.DataFrame | None = None,
) -> Prepared:
    """Parse, resolve and de-duplicate long rows of one dataset; refuse the rest with reasons.

    ``headers`` maps ``body_code``, ``year`` and ``indicator`` to the source's header for them, so a
    refusal names the cell that is wrong (an unknown body in ``body``, not in the value's column).
    ``numbers`` are the source's declared separators; values are read with their units and
    converted to the indicator's unit (:func:`transforms.units.apply_units`, ``rates`` = the
    warehouse's macro series), a unitless value only where ``assume_declared``.
    """
    headers = headers or {"body_code": "body", "year": "year", "indicator": "indicator"}
    rejects: list[pl.DataFrame] = []
    df = parse_years(long)
    bad = df.filter(pl.col("year").is_null())
    rejects.append(refuse(bad, header(headers, "year"),
                            pl.format("cannot read a year from '{}'", pl.col("year_text").fill_null(""))))
    df = df.filter(pl.col("year").is_not_null())
    n = df.height
    if years:
        df = df.filter(pl.col("year").is_in(years))
    skipped_year = n - df.height

    skipped_other = 0
    if dataset == "macro":
        df = df.with_columns(series=pl.col("indicator_label"))
    else:
        df = resolve_indicators(df, labels, indicators)
        unknown = df.filter(pl.col("indicator").is_null())
        rejects.append(refuse(unknown, header(headers, "indicator"),
                                pl.format("unknown indicator '{}'", pl.col("indicator_label").fill_null(""))))
        df = df.filter(pl.col("indicator").is_not_null())
        n = df.height
        if dataset != "targets":  # targets aim at indicators of every dataset (thesis Tables 23-24)
            df = df.filter(pl.col("indicator_dataset") == dataset)
        skipped_other = n - df.height
        df = resolve_bodies(df, aliases)
        unknown_body = df.filter(pl.col("body_code").is_null())
        hints = body_candidates(unknown_body["body_label"].unique().drop_nulls().to_list(), aliases)
        rejects.append(refuse(
            unknown_body, header(headers, "body_code"),
            pl.when(pl.col("body_label").is_null() | (pl.col("body_label").str.strip_chars() == ""))
            .then(pl.lit("no body: the cell is empty (a merged cell? list its column under fill_down)"))
            .otherwise(pl.format("unknown body '{}' (not in the body registry{})", pl.col("body_label"),
                                 pl.col("body_label").replace_strict(hints, default="",
                                                                     return_dtype=pl.String).fill_null("")))))
        df = df.filter(pl.col("body_code").is_not_null())

    if dataset == "macro":
        df = parse_values(df, numbers).with_columns(unit=pl.coalesce("unit_text", "cell_unit", pl.lit("%")))
    else:
        df = apply_units(df, indicators, rates, numbers=numbers or NumberFormat(), assume_declared=assume_declared)
    missing = df.filter(pl.col("value").is_null() & pl.col("value_error").is_null())
    rejects.append(refuse(missing, pl.col("_column"), pl.lit("missing value")))
    unparsable = df.filter(pl.col("value_error").is_not_null())
    rejects.append(refuse(unparsable, pl.col("_column"), pl.col("value_error")))
    df = df.filter(pl.col("value").is_not_null())

    key = ["series", "year"] if dataset == "macro" else ["body_code", "year", "indicator"]
    df, dup_rejects = dedupe(df, key)
    rejects.append(dup_rejects)
    cols = MACRO_COLUMNS if dataset == "macro" else FACT_COLUMNS + LINEAGE_COLUMNS
    accepted = df.select([*cols, "_column"]).sort("_row", "_column")
    return Prepared(
        accepted=accepted,
        rejected=pl.concat(rejects).sort("_row") if rejects else empty_rejects(),
        skipped_other_dataset=skipped_other,
        skipped_other_year=skipped_year,
    )

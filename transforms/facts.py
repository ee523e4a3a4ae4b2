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


#: ``year`` from ``year_text`` ("2017", "2017.0", " 2017 г."); null when unreadable.
YEAR = pl.col("year_text").str.strip_chars().str.extract(r"^(\d{4})(?:\.0+)?(?:\s*(?:г\.?|год|year))?$", 1).cast(pl.Int64)


def parse_years(long: pl.DataFrame) -> pl.DataFrame:
    """``year`` from ``year_text`` ("2017", "2017.0", " 2017 г."); null when unreadable."""
    return long.with_columns(year=YEAR)


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
    """Keep the first of exact repeats, refuse the others, and refuse every row of a key with conflicting values.

    One pass marks both (a repeat has its first row's key and value, so the number of distinct values
    per key is the same with or without repeats); the refusals are worded only when there are any.
    """
    frame = frame.with_columns(_first=pl.col("_row").min().over([*key, "value"]),
                               _n_values=pl.col("value").n_unique().over(key))
    repeat = pl.col("_row") != pl.col("_first")
    conflict = (pl.col("_n_values") > 1) & ~repeat
    flagged = (frame["_row"] != frame["_first"]) | (frame["_n_values"] > 1)
    if not flagged.any():
        return frame.drop("_first", "_n_values"), empty_rejects()
    kept = frame.filter(~flagged).drop("_first", "_n_values")
    frame = frame.filter(flagged)
    repeats, conflicting = frame.filter(repeat), frame.filter(conflict)
    listing = (
        conflicting.group_by(key)
        .agg(pl.format("row {} = {}", pl.col("_row"), pl.col("value")).sort().str.join("; ").alias("_list"))
    )
    conflicting = conflicting.join(listing, on=key, how="left", maintain_order="left")
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
    macro = dataset == "macro"
    # Every row's year, indicator and body at once, then the first step that sets the row aside
    # (``_stage``, in the order the steps decide): a handful of frame operations per load, not ~100.
    df = long.with_row_index("_pos").with_columns(year=YEAR)
    stage = pl.when(pl.col("year").is_null()).then(pl.lit("year"))
    if years:
        stage = stage.when(~pl.col("year").is_in(years)).then(pl.lit("other_year"))
    if macro:
        df = df.with_columns(series=pl.col("indicator_label"))
    else:
        df = resolve_bodies(resolve_indicators(df, labels, indicators), aliases)
        stage = stage.when(pl.col("indicator").is_null()).then(pl.lit("indicator"))
        if dataset != "targets":  # targets aim at indicators of every dataset (thesis Tables 23-24)
            stage = stage.when(pl.col("indicator_dataset") != dataset).then(pl.lit("other_dataset"))
        stage = stage.when(pl.col("body_code").is_null()).then(pl.lit("body"))
    df = df.with_columns(_stage=stage.otherwise(pl.lit("ok")))
    stages = df["_stage"]
    rejects = [_refuse_unresolved(df.filter(pl.col("_stage").is_in(_UNRESOLVED)), headers, aliases)]
    df = df.filter(stages == "ok").drop("_stage")

    if macro:
        df = parse_values(df, numbers).with_columns(unit=pl.coalesce("unit_text", "cell_unit", pl.lit("%")))
    else:
        df = apply_units(df, indicators, rates, numbers=numbers or NumberFormat(), assume_declared=assume_declared)
    unreadable = pl.col("value").is_null() | pl.col("value_error").is_not_null()
    bad = df.filter(unreadable).sort(pl.col("value_error").is_not_null(), "_pos")  # missing, then unparsable
    rejects.append(refuse(bad, pl.col("_column"), pl.coalesce("value_error", pl.lit("missing value"))))
    df = df.filter(pl.col("value").is_not_null())

    key = ["series", "year"] if macro else ["body_code", "year", "indicator"]
    df, dup_rejects = dedupe(df, key)
    rejects.append(dup_rejects)
    cols = MACRO_COLUMNS if macro else FACT_COLUMNS + LINEAGE_COLUMNS
    accepted = df.select([*cols, "_column"]).sort("_row", "_column")
    return Prepared(
        accepted=accepted,
        rejected=pl.concat(rejects).sort("_row", maintain_order=True),
        skipped_other_dataset=int((stages == "other_dataset").sum()),
        skipped_other_year=int((stages == "other_year").sum()),
    )


#: The steps that refuse a row before its value is read, in the order they decide.
_UNRESOLVED = ["year", "indicator", "body"]


def _refuse_unresolved(frame: pl.DataFrame, headers: Mapping[str, str | None], aliases: pl.DataFrame) -> pl.DataFrame:
    """Refusals of rows whose year cannot be read, or whose indicator or body is unknown (hints for the
    bodies: :func:`transforms.registry.body_candidates`), grouped by step as the steps decide them."""
    if frame.is_empty():
        return empty_rejects()
    unknown = frame["body_label"].filter(frame["_stage"] == "body").unique().drop_nulls().to_list()
    hints = body_candidates(unknown, aliases) if unknown else {}
    stage = pl.col("_stage")
    blank_body = pl.col("body_label").is_null() | (pl.col("body_label").str.strip_chars() == "")
    column = (pl.when(stage == "year").then(header(headers, "year"))
              .when(stage == "indicator").then(header(headers, "indicator"))
              .otherwise(header(headers, "body_code")))
    reason = (
        pl.when(stage == "year").then(pl.format("cannot read a year from '{}'", pl.col("year_text").fill_null("")))
        .when(stage == "indicator").then(pl.format("unknown indicator '{}'", pl.col("indicator_label").fill_null("")))
        .when(blank_body).then(pl.lit("no body: the cell is empty (a merged cell? list its column under fill_down)"))
        .otherwise(pl.format("unknown body '{}' (not in the body registry{})", pl.col("body_label"),
                             pl.col("body_label").replace_strict(hints, default="", return_dtype=pl.String)
                             .fill_null("")))
    )
    order = stage.replace_strict({s: i for i, s in enumerate(_UNRESOLVED)}, return_dtype=pl.Int32)
    return refuse(frame.sort(order, "_pos"), column, reason)

"""Name normalisation and body / indicator resolution against the registry (pure).

Sources spell bodies many ways (Nur-Sultan / Astana, English / Russian / Kazakh, with or without
", %"). Everything is matched on a normalised label so a registry row, not code, adds a spelling.
"""

from __future__ import annotations

import re
import unicodedata

import polars as pl

_QUOTES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "«": '"', "»": '"', "“": '"', "”": '"'})
_TRAILING_UNIT = re.compile(r"[\s,]*(%|,\s*%|mln\.?\s*usd|млн\.?\s*тенге)\s*$", re.IGNORECASE)


def normalize_label(text: str | None) -> str | None:
    """Casefold, unify quotes and dashes, drop a trailing unit (", %"), collapse whitespace."""
    if text is None:
        return None
    s = unicodedata.normalize("NFKC", str(text)).translate(_QUOTES)
    s = s.replace("\u2013", "-").replace("\u2014", "-").replace("\u00a0", " ")
    s = s.strip().strip('"').strip()
    s = _TRAILING_UNIT.sub("", s)
    s = re.sub(r"\s+", " ", s).strip(" ,;:.").casefold()
    return s or None


def normalized(expr: pl.Expr) -> pl.Expr:
    """Vectorised :func:`normalize_label` for a string column."""
    return expr.map_elements(normalize_label, return_dtype=pl.String)


def alias_table(aliases: pl.DataFrame) -> pl.DataFrame:
    """Registry aliases with their normalised form (``alias, body_code, valid_from, valid_to``)."""
    return aliases.with_columns(alias_norm=normalized(pl.col("alias"))).select(
        "alias_norm", "body_code", pl.col("valid_from").cast(pl.Int64), pl.col("valid_to").cast(pl.Int64)
    )


def resolve_bodies(frame: pl.DataFrame, aliases: pl.DataFrame, label_col: str = "body_label") -> pl.DataFrame:
    """Add ``body_code`` (null when unknown or ambiguous) to ``frame`` by alias.

    A name belongs to one body whatever the year (a 2021 report calls the capital's 2017 results
    "Nur-Sultan"), so validity periods only break ties when one spelling names several bodies.
    """
    table = alias_table(aliases).unique(["alias_norm", "body_code", "valid_from", "valid_to"])
    keyed = frame.with_row_index("_k").with_columns(_norm=normalized(pl.col(label_col)))
    cand = keyed.select("_k", "_norm", "year").join(table, left_on="_norm", right_on="alias_norm", how="inner")
    per_key = cand.group_by("_k").agg(pl.col("body_code").unique().alias("codes"))
    in_period = (
        cand.filter(
            (pl.col("valid_from").is_null() | (pl.col("year") >= pl.col("valid_from")))
            & (pl.col("valid_to").is_null() | (pl.col("year") <= pl.col("valid_to")))
        )
        .group_by("_k")
        .agg(pl.col("body_code").unique().alias("codes_in_period"))
    )
    chosen = per_key.join(in_period, on="_k", how="left").select(
        "_k",
        pl.when(pl.col("codes").list.len() == 1)
        .then(pl.col("codes").list.first())
        .when(pl.col("codes_in_period").list.len() == 1)
        .then(pl.col("codes_in_period").list.first())
        .otherwise(None)
        .alias("body_code"),
    )
    return keyed.join(chosen, on="_k", how="left").drop("_k", "_norm")


def resolve_indicators(
    frame: pl.DataFrame, labels: pl.DataFrame, indicators: pl.DataFrame, label_col: str = "indicator_label"
) -> pl.DataFrame:
    """Add ``indicator``, ``indicator_dataset``, ``unit``, ``min_value``, ``max_value`` by label."""
    table = (
        labels.with_columns(label_norm=normalized(pl.col("label")))
        .select("label_norm", "indicator")
        .unique()
        .join(
            indicators.select(
                "indicator",
                pl.col("dataset").alias("indicator_dataset"),
                "unit",
                pl.col("min_value").cast(pl.Float64),
                pl.col("max_value").cast(pl.Float64),
            ),
            on="indicator",
        )
    )
    return (
        frame.with_columns(_norm=normalized(pl.col(label_col)))
        .join(table, left_on="_norm", right_on="label_norm", how="left")
        .drop("_norm")
    )

"""Name normalisation and body / indicator resolution against the registry (pure).

Sources spell bodies many ways (Nur-Sultan / Astana, English / Russian / Kazakh, with or without
", %"). Everything is matched on a normalised label so a registry row, not code, adds a spelling.

Bodies are then matched as people write them (issue 12): a name that is not an alias word for word
is reduced to a *body key* — abbreviations expanded (г., обл., р-н, РК), the country's name dropped,
Russian case endings cut ("Нур-Султана" = "Нур-Султан"), Kazakh letters folded, words sorted
("Nur-Sultan city akimat" = "Akimat of Nur-Sultan city") — while what tells bodies apart is kept as
a marker: a *city* akimat is not a *region*'s and a *district* is neither, a ministry is not an
agency. No prefix or fuzzy match ever resolves a name (the Anti-Corruption Agency is not "the
Agency for Civil Service Affairs and Anti-Corruption"); near matches are only *suggested* in the
refusal (:func:`body_candidates`).
"""

from __future__ import annotations

import difflib
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


#: Kazakh letters folded to the Russian ones they are transliterated with.
_KAZAKH = str.maketrans("әғқңөұүһіё", "агкноуухие")

#: Words that tell bodies apart become markers; None: words that never do (the country, "akimat").
_WORDS: dict[str, str | None] = {
    **dict.fromkeys(["город", "города", "городе", "городу", "г", "city", "каласы", "каласынын", "к"], "{city}"),
    **dict.fromkeys(["область", "области", "обл", "oblast", "region", "regional", "облысы", "облысынын", "облыс"],
                    "{region}"),
    **dict.fromkeys(["район", "района", "рн", "district", "ауданы", "ауданынын", "аудан", "raion"], "{district}"),
    **dict.fromkeys(["министерство", "министерства", "ministry", "министрлиги"], "{ministry}"),
    **dict.fromkeys(["агентство", "агентства", "agency", "агенттиги"], "{agency}"),
    **dict.fromkeys(["маслихат", "маслихата", "maslikhat", "maslihat", "маслихаты"], "{maslikhat}"),
    **dict.fromkeys(["акимат", "акимата", "акимату", "akimat", "akimats", "hakimat", "акимдиги", "акимдик",
                     "акимдигинин", "республики", "республика", "республикасы", "республикасынын", "казахстан",
                     "казакстан", "republic", "kazakhstan", "рк", "rk", "of", "the", "for", "and", "и", "по",
                     "при", "on", "in", "s", "a"], None),
}
_ENDINGS = ("скому", "ского", "ской", "ская", "ском", "скую", "ого", "ому", "ой", "ая", "ий", "ый", "ые", "ых",
            "ам", "а", "ы", "и", "я", "е")


def _stem(word: str) -> str:
    """Cut a Russian case ending from a long Cyrillic word ("Нур-Султана", "Мангистауской")."""
    if len(word) > 4 and re.fullmatch(r"[а-я]+", word):
        for end in _ENDINGS:
            if word.endswith(end) and len(word) - len(end) >= 4:
                return word[: -len(end)]
    return word


def body_key(text: str | None) -> str | None:
    """The words of a body name that identify it, order- and case-free (``None`` when none are left)."""
    if text is None:
        return None
    s = unicodedata.normalize("NFKC", str(text)).casefold().translate(_KAZAKH)
    s = re.sub(r"(?<=\w)[-‐‑–](?=\w)", "", s)
    tokens = set()
    for word in re.split(r"[\W_]+", s):
        if not word:
            continue
        mapped = _WORDS.get(word, _stem(word))
        if mapped is not None:
            tokens.add(mapped)
    return " ".join(sorted(tokens)) or None


def alias_table(aliases: pl.DataFrame) -> pl.DataFrame:
    """Registry aliases with their normalised form (``alias, body_code, valid_from, valid_to``)."""
    return aliases.with_columns(alias_norm=normalized(pl.col("alias"))).select(
        "alias_norm", "body_code", pl.col("valid_from").cast(pl.Int64), pl.col("valid_to").cast(pl.Int64)
    )


def _choose(cand: pl.DataFrame) -> pl.DataFrame:
    """One code per row key ``_k`` among its candidates: the only one, or the only one valid that year."""
    per_key = cand.group_by("_k").agg(pl.col("body_code").unique().alias("codes"))
    in_period = (
        cand.filter(
            (pl.col("valid_from").is_null() | (pl.col("year") >= pl.col("valid_from")))
            & (pl.col("valid_to").is_null() | (pl.col("year") <= pl.col("valid_to")))
        )
        .group_by("_k")
        .agg(pl.col("body_code").unique().alias("codes_in_period"))
    )
    return per_key.join(in_period, on="_k", how="left").select(
        "_k",
        pl.when(pl.col("codes").list.len() == 1)
        .then(pl.col("codes").list.first())
        .when(pl.col("codes_in_period").list.len() == 1)
        .then(pl.col("codes_in_period").list.first())
        .otherwise(None)
        .alias("body_code"),
    )


def resolve_bodies(frame: pl.DataFrame, aliases: pl.DataFrame, label_col: str = "body_label") -> pl.DataFrame:
    """Add ``body_code`` (null when unknown or ambiguous) to ``frame`` by alias, then by body key.

    A name belongs to one body whatever the year (a 2021 report calls the capital's 2017 results
    "Nur-Sultan"), so validity periods only break ties when one spelling names several bodies. An
    alias written out exactly wins; only a name no alias spells exactly is matched by its key.
    """
    table = alias_table(aliases).unique(["alias_norm", "body_code", "valid_from", "valid_to"])
    keys = (aliases.with_columns(_key=pl.col("alias").map_elements(body_key, return_dtype=pl.String))
            .select("_key", "body_code", pl.col("valid_from").cast(pl.Int64), pl.col("valid_to").cast(pl.Int64))
            .drop_nulls("_key").unique())
    if "year" not in frame.columns:
        frame = frame.with_columns(year=pl.lit(None, dtype=pl.Int64))
        added_year = True
    else:
        added_year = False
    keyed = frame.with_row_index("_k").with_columns(
        _norm=normalized(pl.col(label_col)), _key=pl.col(label_col).map_elements(body_key, return_dtype=pl.String)
    )
    exact = _choose(keyed.select("_k", "_norm", "year").join(table, left_on="_norm", right_on="alias_norm"))
    by_key = _choose(keyed.select("_k", "_key", "year").join(keys, on="_key"))
    chosen = exact.join(by_key.rename({"body_code": "_by_key"}), on="_k", how="full", coalesce=True).select(
        "_k", pl.coalesce("body_code", "_by_key").alias("body_code"))
    out = keyed.join(chosen, on="_k", how="left").drop("_k", "_norm", "_key")
    return out.drop("year") if added_year else out


def body_candidates(labels: list[str], aliases: pl.DataFrame, n: int = 3) -> dict[str, str]:
    """For each unknown name, a hint naming the nearest registry spellings and how to accept the name.

    Suggestions only: nothing here resolves a name (a near spelling may be a false friend).
    """
    spellings = dict(zip(aliases["alias"].map_elements(normalize_label, return_dtype=pl.String).to_list(),
                         zip(aliases["alias"].to_list(), aliases["body_code"].to_list(), strict=True), strict=True))
    hints: dict[str, str] = {}
    for label in labels:
        norm = normalize_label(label) or ""
        near = difflib.get_close_matches(norm, list(spellings), n=n * 3, cutoff=0.4)
        seen: dict[str, str] = {}
        for m in near:
            alias, code = spellings[m]
            seen.setdefault(code, alias)
        shown = ", ".join(f"'{a}' ({c})" for c, a in list(seen.items())[:n])
        hints[label] = (f"; nearest: {shown}" if shown else "") + \
            f"; to accept it: pilotwatch bodies alias add \"{label}\" BODY_CODE"
    return hints


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

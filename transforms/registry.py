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
from functools import lru_cache

import polars as pl

_QUOTES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "«": '"', "»": '"', "“": '"', "”": '"'})
_TRAILING_UNIT = re.compile(r"[\s,]*(%|,\s*%|mln\.?\s*usd|млн\.?\s*тенге)\s*$", re.IGNORECASE)


@lru_cache(maxsize=8192)  # pure, and every load normalises the same registry spellings again
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


@lru_cache(maxsize=8192)
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


#: A body a spelling may name: ``(body_code, valid_from, valid_to)`` (None: open-ended).
Candidate = tuple[str, int | None, int | None]


def _index(spellings: list[str | None], rows: list[Candidate]) -> dict[str, list[Candidate]]:
    index: dict[str, list[Candidate]] = {}
    for spelling, row in zip(spellings, rows, strict=True):
        if spelling is not None and row not in index.setdefault(spelling, []):
            index[spelling].append(row)
    return index


def _choose(candidates: list[Candidate], year: int | None) -> str | None:
    """One code among a name's candidates: the only one, or the only one valid that year (else None)."""
    codes = {code for code, _, _ in candidates}
    if len(codes) == 1:
        return next(iter(codes))
    in_period = {code for code, lo, hi in candidates
                 if (lo is None or (year is not None and year >= lo)) and (hi is None or (year is not None and year <= hi))}
    return next(iter(in_period)) if len(in_period) == 1 else None


def resolve_bodies(frame: pl.DataFrame, aliases: pl.DataFrame, label_col: str = "body_label") -> pl.DataFrame:
    """Add ``body_code`` (null when unknown or ambiguous) to ``frame`` by alias, then by body key.

    A name belongs to one body whatever the year (a 2021 report calls the capital's 2017 results
    "Nur-Sultan"), so validity periods only break ties when one spelling names several bodies. An
    alias written out exactly wins; only a name no alias spells exactly (or spells ambiguously) is
    matched by its key.

    Why plain dictionaries: a load has a few hundred rows naming a dozen bodies, and the registry a
    hundred spellings; indexing them once and looking each (name, year) up costs less than one small
    polars join, where the join-and-group pipeline this replaced cost ~12 ms per load.
    """
    rows: list[Candidate] = list(zip(aliases["body_code"].to_list(),
                                     aliases["valid_from"].cast(pl.Int64).to_list(),
                                     aliases["valid_to"].cast(pl.Int64).to_list(), strict=True))
    names = aliases["alias"].to_list()
    exact = _index([normalize_label(a) for a in names], rows)
    by_key = _index([body_key(a) for a in names], rows)
    years = frame["year"].to_list() if "year" in frame.columns else [None] * frame.height
    chosen: dict[tuple[str | None, int | None], str | None] = {}
    codes = []
    for label, year in zip(frame[label_col].to_list(), years, strict=True):
        if (label, year) not in chosen:
            found = exact.get(normalize_label(label)) if label is not None else None
            code = _choose(found, year) if found else None
            if code is None and label is not None and (keyed := by_key.get(body_key(label))):
                code = _choose(keyed, year)
            chosen[label, year] = code
        codes.append(chosen[label, year])
    return frame.with_columns(pl.Series("body_code", codes, dtype=pl.String))


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
    """Add ``indicator``, ``indicator_dataset``, ``unit``, ``min_value``, ``max_value`` by label.

    A label that names several indicators gives a row for each (as a join would)."""
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
    norm = pl.Series("_norm", [normalize_label(x) for x in frame[label_col].to_list()], dtype=pl.String)
    return (
        frame.with_columns(norm)
        .join(table, left_on="_norm", right_on="label_norm", how="left", maintain_order="left")
        .drop("_norm")
    )

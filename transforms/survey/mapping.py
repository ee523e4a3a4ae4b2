"""From a survey platform's export (one row per respondent, text answers) to coded answers (pure).

What an export looks like (see docs/surveys.md): a header row, then one row per respondent. A
column is recognised by its item code (``L1``, ``HC3``, ``age_band``, ``Q6``), by a code followed by
a separator (``L1. It is important ...``), or by the question text itself in English or Russian
(numbering such as ``1.`` or ``3)`` in front is ignored; a truncated question of at least 30
characters matches the full text). Answers are the option texts (English or Russian, each item's own
wording for Annex H) or the numbers 5..1. Everything is compared after casefolding and unifying
quotes, dashes and whitespace.

Nothing is guessed silently: an unrecognised answer makes a *problem* (row, column, reason) that
the caller quarantines with the whole response; free-text answers leave this module in a separate
frame with no respondent key, so they can never be joined back to demographics.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import polars as pl

from schemas.rejects import REJECTS
from transforms.survey.spec import Instrument, Instruments

ROW = "_row"  # the source row, as in schemas.rejects.REJECTS
#: Headers recognised as a respondent identifier (kept only to name quarantined rows).
RESPONDENT_HEADERS = ("respondent", "respondent_id", "response_id", "id", "№", "номер", "id ответа")
BODY_HEADERS = ("body", "body_code", "public authority", "authority", "государственный орган", "орган")
TRUNCATED_MIN = 30

_QUOTES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "«": '"', "»": '"', "“": '"', "”": '"', "ё": "е", "Ё": "Е"})
_NUMBERING = re.compile(r"^\s*(?:q\s*)?\d{1,2}\s*[.)]\s*", re.IGNORECASE)


class SurveyFormatError(ValueError):
    """The export cannot be read as this instrument (missing or ambiguous columns)."""


def norm(text: object) -> str | None:
    """Casefold, unify quotes/dashes/whitespace, drop outer punctuation (a pure text key)."""
    if text is None:
        return None
    return _norm(str(text))


@functools.lru_cache(maxsize=1 << 16)
def _norm(text: str) -> str | None:
    """:func:`norm` of a string, remembered: an export repeats a few answer texts in every row, and the
    header match compares every header with every field's code and texts (twice with ``locate_header``),
    so the same strings were normalised about 11,000 times per 120-respondent export."""
    s = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    s = s.replace("\u2013", "-").replace("\u2014", "-").replace("\u00a0", " ")
    s = re.sub(r"\s+", " ", s).strip().strip('"').strip()
    s = s.strip(" .,;:!?").casefold()
    s = re.sub(r"\s*/\s*", "/", s)
    s = re.sub(r"\s*-\s*", "-", s)
    return s or None


@functools.lru_cache(maxsize=1 << 12)
def _header_key(text: str) -> str | None:
    return norm(_NUMBERING.sub("", text))


# -- columns ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    """One field the export may carry: what it is and how its header may be written."""

    name: str
    kind: str  # respondent | body | demographic | item | question | free_text
    codes: tuple[str, ...]
    texts: tuple[str, ...] = ()


def fields_of(instrument: Instrument, spec: Instruments) -> list[FieldSpec]:
    out = [FieldSpec("respondent", "respondent", RESPONDENT_HEADERS)]
    body_texts = (instrument.body_question.en, instrument.body_question.ru) if instrument.body_question else ()
    out.append(FieldSpec("body", "body", BODY_HEADERS, body_texts))
    for d in instrument.demographics:
        q = spec.demographics[d].question
        out.append(FieldSpec(d, "demographic", (d,), (q.en, q.ru)))
    for code, item in instrument.items.items():
        out.append(FieldSpec(code, "item", (code,), (item.en, item.ru)))
    for code, q in instrument.questions.items():
        out.append(FieldSpec(code, "question", (code,), (q.en, q.ru)))
    for code, q in instrument.free_text.items():
        out.append(FieldSpec(code, "free_text", (code,), (q.en, q.ru)))
    return out


def _header_matches(header: str, f: FieldSpec) -> bool:
    raw = unicodedata.normalize("NFKC", header).strip()
    for code in f.codes:
        if norm(raw) == norm(code):
            return True
        if f.kind in ("item", "question", "free_text", "demographic") and re.match(
            rf"^{re.escape(code)}(?:[\s.:)\-\u2013\u2014_]|$)", raw, flags=re.IGNORECASE
        ):
            return True
    key = _header_key(raw)
    if not key:
        return False
    for text in f.texts:
        t = _header_key(text)
        if not t:
            continue
        if key == t or (len(key) >= TRUNCATED_MIN and t.startswith(key)) or key.startswith(t):
            return True
    return False


def map_headers(headers: Iterable[str], instrument: Instrument, spec: Instruments) -> dict[str, str]:
    """``{field: header}`` for every field the export carries.

    Raises:
        SurveyFormatError: a header matches two fields, a field matches two headers, or not a
            single item/question column is present (the message lists what was expected).
    """
    fields = fields_of(instrument, spec)
    found: dict[str, str] = {}
    for h in headers:
        if h == ROW:
            continue
        hits = [f.name for f in fields if _header_matches(h, f)]
        # a code hit beats a text hit ("L1" is L1 even if another question starts alike)
        if len(hits) > 1:
            exact = [f.name for f in fields if f.name in hits and any(norm(h) == norm(c) for c in f.codes)]
            hits = exact if len(exact) == 1 else hits
        if len(hits) > 1:
            raise SurveyFormatError(f"column {h!r} matches several questions {hits}; rename it to one code")
        if hits:
            if hits[0] in found:
                raise SurveyFormatError(
                    f"columns {found[hits[0]]!r} and {h!r} both look like {hits[0]}; keep one"
                )
            found[hits[0]] = h
    wanted = [*instrument.items, *instrument.questions]
    if not any(w in found for w in wanted):
        raise SurveyFormatError(
            f"no answer column of instrument found: expected columns named {wanted} (or the question texts); "
            f"the file has {[h for h in headers if h != ROW]}"
        )
    return found


# -- answers ----------------------------------------------------------------------------------


def _number(text: str) -> int | None:
    s = text.strip().replace(",", ".")
    try:
        v = float(s)
    except ValueError:
        return None
    return int(v) if v.is_integer() else None


@dataclass
class _Lookup:
    exact: dict[str, object]
    heads: dict[str, object] = field(default_factory=dict)
    numeric: bool = False

    def __call__(self, text: str) -> object | None:
        if self.numeric:
            n = _number(text)
            if n is not None:
                return n if 1 <= n <= 5 else None
        key = norm(text)
        if key in self.exact:
            return self.exact[key]
        head = norm(key.split(",")[0]) if key else None
        return self.heads.get(head) if head else None


def item_lookup(code: str, instrument: Instrument, spec: Instruments) -> _Lookup:
    """Answer text (or number) -> 5..1 for one item, from its own answers or the common scale."""
    item = instrument.items[code]
    exact: dict[str, object] = {}
    heads: dict[str, object] = {}
    if item.answers is not None:
        for i, a in enumerate(item.answers):
            value = 5 - i
            for t in (a.en, a.ru):
                exact[norm(t)] = value
        # the part before the first comma, when it alone names one answer (exports that cut texts)
        for lang in ("en", "ru"):
            cut = [norm(getattr(a, lang).split(",")[0]) for a in item.answers]
            if len(set(cut)) == 5:
                heads.update({c: 5 - i for i, c in enumerate(cut)})
    else:
        for value, texts in spec.likert_5.items():
            for t in texts.all():
                exact[norm(t)] = value
    return _Lookup(exact, heads, numeric=True)


def option_lookup(options: dict, allow_codes: bool = True) -> _Lookup:
    exact: dict[str, object] = {}
    for code, texts in options.items():
        if allow_codes:
            exact[norm(code)] = code
        for t in texts.all():
            exact[norm(t)] = code
    return _Lookup(exact)


def answer_texts(code: str, instrument: Instrument, spec: Instruments) -> dict[int, dict[str, list[str]]]:
    """Every accepted text per value and language for one item (for docs and tests)."""
    item = instrument.items[code]
    if item.answers is not None:
        return {5 - i: {"en": [a.en], "ru": [a.ru]} for i, a in enumerate(item.answers)}
    return {v: {"en": list(t.en), "ru": list(t.ru)} for v, t in spec.likert_5.items()}


@dataclass
class Coded:
    """The coded export: answers, free text (no respondent key) and the problems found."""

    answers: pl.DataFrame
    free_text: pl.DataFrame
    problems: pl.DataFrame
    columns: dict[str, str]


def _problems_frame(rows: list[tuple[int, str, str]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=REJECTS, orient="row")


def code_answers(
    table: pl.DataFrame,
    instrument: Instrument,
    spec: Instruments,
    *,
    resolve_body: object = None,
    default_body: str | None = None,
) -> Coded:
    """Map every answer of ``table`` (all strings plus ``_row``) to codes.

    ``resolve_body`` is a callable ``list[str|None] -> list[str|None]`` turning body names into
    registry codes (``None`` when unknown); ``default_body`` is used when the export has no body
    column or the cell is blank. Item answers become Int8 5..1 (null when blank); demographic and
    closed-question answers become option codes.
    """
    cols = map_headers(table.columns, instrument, spec)
    n = table.height
    rows = table[ROW].to_list() if ROW in table.columns else list(range(1, n + 1))
    problems: list[tuple[int, str, str]] = []
    out: dict[str, pl.Series] = {ROW: pl.Series(ROW, rows, dtype=pl.Int64)}

    def cells(name: str) -> list[str | None]:
        h = cols.get(name)
        if h is None:
            return [None] * n
        return [None if v is None or not str(v).strip() else str(v) for v in table[h].to_list()]

    # body
    labels = cells("body")
    if resolve_body is not None and any(v is not None for v in labels):
        codes = resolve_body(labels)  # type: ignore[operator]
    else:
        codes = [None] * n
    body = []
    for r, label, code in zip(rows, labels, codes, strict=True):
        if label is None:
            body.append(default_body)
        elif code is None:
            problems.append((r, cols.get("body", "body"), f"unknown public authority {label!r} (not in core.body_aliases)"))
            body.append(None)
        else:
            body.append(code)
    out["body_code"] = pl.Series("body_code", body, dtype=pl.String)

    def coded(name: str, lookup: _Lookup, dtype: pl.DataType, what: str) -> pl.Series:
        values = []
        for r, v in zip(rows, cells(name), strict=True):
            if v is None:
                values.append(None)
                continue
            got = lookup(v)
            if got is None:
                problems.append((r, cols[name], f"{what}: answer {v!r} is not one of its answers (EN/RU text or 5..1)"))
            values.append(got)
        return pl.Series(name, values, dtype=dtype)

    for d in instrument.demographics:
        out[d] = coded(d, option_lookup(spec.demographics[d].options), pl.String, d)
    for code in instrument.items:
        out[code] = coded(code, item_lookup(code, instrument, spec), pl.Int8, f"item {code}")
    for code, q in instrument.questions.items():
        out[code] = coded(code, option_lookup(q.options), pl.String, f"question {code}")

    free = [(code, v) for code in instrument.free_text for v in cells(code) if v is not None]
    free_text = pl.DataFrame(free, schema={"question": pl.String, "answer": pl.String}, orient="row").sort(
        "question", "answer"
    )  # sorted: the order of rows can never lead back to a respondent
    probs = _problems_frame(problems).group_by(ROW, maintain_order=True).agg(
        pl.col("column_name").str.join(", "), pl.col("reason").str.join("; ")
    )
    return Coded(pl.DataFrame(list(out.values())), free_text, probs, cols)


def locate_header(table: pl.DataFrame, instrument: Instrument, spec: Instruments, search_rows: int = 30) -> pl.DataFrame:
    """Return ``table`` with its real header: exports often put a title or notes above the table.

    When the first row does not name any answer column, the next ``search_rows`` rows are tried as
    the header; the rows below the one found are the data (``_row`` keeps the file's numbering).
    """
    try:
        map_headers(table.columns, instrument, spec)
        return table
    except SurveyFormatError as first:
        error = first
    data_cols = [c for c in table.columns if c != ROW]
    for k in range(min(search_rows, table.height)):
        values = [table[c][k] for c in data_cols]
        names = [str(v).strip() if v is not None and str(v).strip() else f"column_{i + 1}" for i, v in enumerate(values)]
        if len(set(names)) != len(names):
            continue
        try:
            map_headers(names, instrument, spec)
        except SurveyFormatError:
            continue
        body = table.slice(k + 1)
        return body.rename(dict(zip(data_cols, names, strict=True)))
    raise error

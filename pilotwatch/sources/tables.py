"""The table finder shared by CSV and XLSX: header below title rows, header names in three languages,
units rows and units in headers, notes after the table (why: see ``pilotwatch.sources.readers``)."""


from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import polars as pl

from pilotwatch.catalogue import Source
from pilotwatch.sources.fetch import SourceError, source_uri

ROW_COLUMN = "_row"
#: How far down a CSV or sheet the header row is looked for.
HEADER_SEARCH_ROWS = 30
_DELIMITERS = (",", ";", "\t", "|")
_BOM = "\ufeff"
_FORMAT_NAMES = {"csv": "CSV", "xlsx": "XLSX", "json": "JSON", "parquet": "Parquet"}

#: Header names recognised for each mapped role without a column mapping (compared case-folded,
#: "ё" as "е", a trailing unit such as ", %" removed). Agencies write Russian or Kazakh headers;
#: the catalogue's English names still win when present.
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "body": ("body", "body name", "state body", "government body", "agency", "organisation", "organization",
             "орган", "государственный орган", "гос. орган", "госорган", "наименование органа",
             "наименование государственного органа", "наименование го", "мемлекеттік орган", "орган атауы",
             "мемлекеттік органның атауы"),
    "year": ("year", "год", "отчетный год", "отчётный год", "период", "жыл", "есепті жыл", "кезең"),
    "indicator": ("indicator", "indicator name", "показатель", "наименование показателя", "индикатор",
                  "көрсеткіш", "көрсеткіштің атауы", "индикатор атауы"),
    "value": ("value", "значение", "фактическое значение", "факт", "величина", "мәні", "мән",
              "нақты мәні"),
    "unit": ("unit", "units", "unit of measure", "единица измерения", "ед. изм.", "ед.изм.", "ед. изм",
             "единица", "өлшем бірлігі", "өлшем бірл."),
}

#: Words a unit is written with (Russian, Kazakh, English); a cell made only of these, numbers
#: and filler words ("из", "out of") is a unit, not data.
_UNIT_WORDS = frozenset(
    ["%", "₸", "процент", "процентов", "проц", "пайыз", "percent", "pct", "балл", "балла", "баллов", "баллы", "ball", "points", "point", "pts", "score", "млн", "млрд", "тыс", "mln", "mn", "million", "millions", "bn", "billion", "thousand", "thousands", "thous", "тысяч", "миллионов", "миллиардов", "мың", "тенге", "теңге", "тг", "kzt", "usd", "долл", "доллар", "долларов", "сша", "us", "dollars", "dollar", "чел", "человек", "адам", "persons", "people", "ед", "единиц", "units", "раз", "times", "кол-во"]
)
_UNIT_FILLER = frozenset(["из", "out", "of", "в", "in", "per", "на", "от", "from"])
_TOKEN = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)?|\d+(?:[.,]\d+)?|%|₸", re.UNICODE)
#: How a note or footnote under a table starts.
_NOTE_START = re.compile(
    r"^\s*(?:\*+|[¹²³⁴⁵⁶⁷⁸⁹]|\d{1,2}\)\s|примечани|прим\.|ескертпе|ескерту|сноска|note|footnote|source"
    r"|источник|дереккөз|көзі)",
    re.IGNORECASE,
)


@dataclass(kw_only=True)
class TableLayout:
    """What the reader found around the table (for the load message and ``--dry-run``)."""

    header_row: int | None = None  # line (CSV) or row (XLSX) of the header, 1-based
    headers: list[str] = field(default_factory=list)  # the header cells as found
    #: header as found -> the catalogue's name it was recognised as (a synonym or a unit suffix).
    renamed: dict[str, str] = field(default_factory=dict)
    #: column -> unit text as found (a units row, or a unit written in the header).
    units: dict[str, str] = field(default_factory=dict)
    units_row: int | None = None
    #: (row, text) of notes and footnotes after the table.
    notes: list[tuple[int, str]] = field(default_factory=list)
    sheet: str | None = None
    encoding: str | None = None

    def describe(self) -> list[str]:
        """Lines saying what was found, for the load message and the dry-run preview."""
        where = f"sheet {self.sheet!r}, " if self.sheet is not None else ""
        lines = [f"header: {where}row {self.header_row}: {self.headers}" if self.header_row else
                 f"columns: {self.headers}"]
        if self.encoding:
            lines.append(f"encoding: {self.encoding}")
        lines += [f"column {found!r} read as {name!r}" for found, name in self.renamed.items()]
        if self.units:
            src = f"units row {self.units_row}" if self.units_row else "header"
            lines.append(f"units ({src}): " + "; ".join(f"{c!r}: {u!r}" for c, u in self.units.items()))
        lines += [f"note (row {n}, not data): {t}" for n, t in self.notes]
        return lines


@dataclass(kw_only=True)
class ReadTable(TableLayout):
    """A read table: all String columns plus Int64 ``_row``, and what was found around it."""

    frame: pl.DataFrame


@dataclass(kw_only=True)
class _Found(TableLayout):
    """A table located in a grid, before it becomes a frame."""

    names: list[str]  # column names after recognition (the catalogue's names)
    rows: list[tuple[int, list[str | None]]]
    kept_columns: list[int] = field(default_factory=list)  # grid column of each name


def _error(source: Source, problem: str) -> SourceError:
    return SourceError(source.id, source_uri(source), problem)


def mapped_columns(source: Source) -> list[str]:
    """Header names the catalogue maps for ``source`` (each must exist in the table)."""
    c = source.columns
    names = [n for n in (c.year, c.indicator, c.body, c.value, c.unit) if n]
    names += list(c.bodies) + list(c.indicators)
    return list(dict.fromkeys(names))


def _roles(source: Source) -> dict[str, str]:
    """Mapped column name -> its role (body, year, …), for the names synonyms may stand in for."""
    c = source.columns
    pairs = [(c.body, "body"), (c.year, "year"), (c.indicator, "indicator"), (c.value, "value"), (c.unit, "unit")]
    return {name: role for name, role in pairs if name}


def _check_row_limit(n: int, source: Source) -> None:
    if n > source.limits.max_rows:
        raise _error(source, f"more than limits.max_rows = {source.limits.max_rows:,} rows in the file; "
                             "raise limits.max_rows for this source if the file is genuine")


def _check_headers(headers: Sequence[str], source: Source) -> None:
    seen = set(headers)
    dupes = sorted({h for h in headers if list(headers).count(h) > 1})
    if dupes:
        raise _error(source, f"duplicate column header(s) {dupes}; the file has: {list(headers)}")
    if ROW_COLUMN in seen:
        raise _error(source, f"a column is named {ROW_COLUMN!r}, which is reserved for row numbers")
    # fill_down names headers of this table too (transforms.reshape fills them before reshaping).
    missing = [c for c in dict.fromkeys([*mapped_columns(source), *source.fill_down]) if c not in seen]
    if missing:
        raise _error(
            source,
            f"missing column(s) {missing} mapped in the catalogue; the file has: {list(headers)}",
        )


def _clean_header(value: str | None, index: int) -> str:
    name = (value or "").replace(_BOM, "").strip()
    return name or f"column_{index + 1}"


def _norm(text: str) -> str:
    """A header or word as compared: case-folded, "ё" as "е", single spaces, no trailing colon."""
    return " ".join(text.replace(_BOM, "").replace("\u00a0", " ").casefold().replace("ё", "е").split()).rstrip(":*")


def is_unit_text(text: str | None) -> bool:
    """Whether ``text`` is only a unit ("%", "млн. тенге", "баллы (из 5)", "points out of 5")."""
    if not text or not text.strip():
        return False
    tokens = _TOKEN.findall(_norm(text))
    words = [t for t in tokens if not t[0].isdigit()]
    units = [t for t in words if t in _UNIT_WORDS]
    if not units or any(t not in _UNIT_WORDS and t not in _UNIT_FILLER for t in words):
        return False
    numbers = [t for t in tokens if t[0].isdigit()]
    return len(numbers) <= 1 and bool(re.fullmatch(r"[\w\s.,%₸()/\-]*", _norm(text)))


def split_unit(header: str) -> tuple[str, str | None]:
    """``"Фонд оплаты труда, млн. тенге"`` -> ``("Фонд оплаты труда", "млн. тенге")``; no unit: ``(header, None)``."""
    m = re.fullmatch(r"(.+?)\s*(?:,\s*([^,]+)|\(([^()]+)\))\s*", header)
    if m:
        unit = (m.group(2) or m.group(3)).strip()
        if is_unit_text(unit):
            return m.group(1).strip(), unit
    return header, None


def _match_role(cell: str, name: str, role: str | None) -> bool:
    """Whether header ``cell`` stands for the mapped column ``name`` (of ``role``)."""
    label = _norm(split_unit(cell)[0])
    if label == _norm(name):
        return True
    return role is not None and label in {_norm(s) for s in HEADER_SYNONYMS[role]}


def _recognise(headers: Sequence[str], source: Source) -> dict[str, str]:
    """Header as found -> mapped name, for mapped role columns not present under their own name.

    Raises:
        SourceError: two headers could stand for the same mapped column.
    """
    renamed: dict[str, str] = {}
    present = set(headers)
    for name, role in _roles(source).items():
        if name in present:
            continue
        candidates = [h for h in headers if h not in renamed and h not in mapped_columns(source)
                      and _match_role(h, name, role)]
        if len(candidates) > 1:
            raise _error(source, f"columns {candidates} could each be the {role} column {name!r}; "
                                 f"map one in the catalogue (columns.{role})")
        if candidates:
            renamed[candidates[0]] = name
    if _roles(source) and source.columns.unit is None and "unit" not in present:  # optional unit column
        units = [h for h in headers if h not in renamed and h not in mapped_columns(source)
                 and _match_role(h, "unit", "unit")]
        if len(units) == 1:
            renamed[units[0]] = "unit"
    return renamed


def _header_hits(cells: Sequence[str | None], source: Source) -> int:
    """How many mapped columns a candidate header row holds (by name or recognised name)."""
    names = [_clean_header(v, 0) for v in cells if v is not None and v.strip()]
    roles = _roles(source)
    hits = 0
    for wanted in mapped_columns(source):
        if wanted in names or any(_match_role(n, wanted, roles.get(wanted)) for n in names):
            hits += 1
    return hits


def _filled(cells: Sequence[str | None]) -> list[str]:
    return [v for v in cells if v is not None and v.strip()]


def _find_header(grid: list[tuple[int, list[str | None]]], source: Source, header_row: int | None) -> int:
    """Index into ``grid`` of the header: ``header_row`` (1-based row/line), or the first of the first
    30 non-blank rows that holds every mapped column — report titles above the table are common."""
    if header_row is not None:
        for i, (n, _) in enumerate(grid):
            if n == header_row:
                return i
        last = grid[-1][0] if grid else 0
        raise _error(source, f"header_row={header_row} is not a row of the table (the last row is {last})")
    wanted = mapped_columns(source)
    candidates = [(i, cells) for i, (_, cells) in enumerate(grid) if _filled(cells)][:HEADER_SEARCH_ROWS]
    if not wanted:  # nothing to look for: the first row that looks like a header (not a one-cell title)
        multi = [i for i, cells in candidates if len(_filled(cells)) > 1]
        return multi[0] if multi else candidates[0][0]
    best: tuple[int, int] = (-1, 0)
    for i, cells in candidates:
        hits = _header_hits(cells, source)
        if hits == len(wanted):
            return i
        if hits > best[1]:
            best = (i, hits)
    first = candidates[0][0] if candidates else -1
    if best[0] == first or best[1] == 0:
        return first  # no title rows: the first row is the header and the column check says what is missing
    near = f"; row {grid[best[0]][0]} has {best[1]} of them: {_filled(grid[best[0]][1])}" if best[1] else ""
    raise _error(
        source,
        f"no header row found in the first {HEADER_SEARCH_ROWS} rows: none contains all mapped columns "
        f"{sorted(wanted)}{near}; fix the column names or set {source.format}.header_row "
        "(pilotwatch ingest: --header-row N, or map a column with -o columns.body=…)",
    )


def _is_note(cells: Sequence[str | None]) -> bool:
    filled = _filled(cells)
    return len(filled) == 1 and bool(_NOTE_START.match(filled[0]))


def _split_notes(rows: list[tuple[int, list[str | None]]]) -> tuple[list[tuple[int, list[str | None]]], list[tuple[int, str]]]:
    """Split off notes after the table: from the first note row on, every row is a one-cell text.

    A note row inside the table (data follow it) stays data, so it is refused visibly, not hidden.
    """
    start = len(rows)
    while start > 0 and len(_filled(rows[start - 1][1])) <= 1:  # the trailing block of one-cell rows
        start -= 1
    for i in range(start, len(rows)):
        if _is_note(rows[i][1]):  # the notes start here; the one-cell rows after it continue them
            return rows[:i], [(n, _filled(c)[0].strip()) for n, c in rows[i:] if _filled(c)]
    return rows, []


def _locate(grid: list[tuple[int, list[str | None]]], source: Source, header_row: int | None,
            what: str) -> _Found:
    """Find the table in a grid of (row number, cells): header, units row, data rows, notes."""
    h = _find_header(grid, source, header_row)
    header_no, raw_header = grid[h]
    width = len(raw_header)
    body = grid[h + 1 :]
    units_row: int | None = None
    units: dict[int, str] = {}
    first = next((k for k, (_, c) in enumerate(body) if _filled(c)), None)
    if first is not None and all(is_unit_text(v) for v in _filled(body[first][1])):
        units_row = body[first][0]
        units = {j: v.strip() for j, v in enumerate(body[first][1]) if v is not None and v.strip() and j < width}
        body = body[first + 1 :]
    data, notes = _split_notes(body)
    rows: list[tuple[int, list[str | None]]] = []
    for n, cells in data:
        if len(cells) != width:
            extra = cells[width:]
            if len(cells) > width and not any(v is not None and v.strip() for v in extra):
                cells = cells[:width]  # trailing delimiters from spreadsheet exports
            elif len(cells) < width and what == "XLSX":
                cells = cells + [None] * (width - len(cells))
            elif _filled(cells):
                raise _error(
                    source,
                    f"line {n} has {len(cells)} fields but the header (line {header_no}) has {width}; "
                    f"check the delimiter and quoting",
                )
            else:
                continue
        rows.append((n, cells))
    raw, rows, kept = _drop_unnamed_blank(raw_header, rows)
    found = [_clean_header(v, i) for i, v in enumerate(raw)]
    renamed = _recognise(found, source)
    headers = [renamed.get(x, x) for x in found]
    col_units = {headers[kept.index(j)]: u for j, u in units.items() if j in kept}
    for x, name in zip(found, headers, strict=True):
        unit = split_unit(x)[1]
        if unit and name not in col_units and _unit_from_header(name, source):
            col_units[name] = unit
    return _Found(names=headers, rows=rows, header_row=header_no, headers=found, renamed=renamed, units=col_units,
                  units_row=units_row, notes=notes, kept_columns=kept)


def _unit_from_header(name: str, source: Source) -> bool:
    """Whether a unit written in this column's header applies to its values.

    Yes for a value column and for indicator columns (a header names one indicator, so its unit
    is that indicator's); no for body columns ("Agency …, %" in the thesis tables heads rows in
    several units) and for the body/year/indicator/unit columns themselves.
    """
    c = source.columns
    if name == c.value or name in c.indicators:
        return True
    return source.layout == "wide_indicators" and not c.indicators and name not in _roles(source)


def _drop_unnamed_blank(
    raw_headers: Sequence[str | None], rows: list[tuple[int, list[str | None]]]
) -> tuple[list[str | None], list[tuple[int, list[str | None]]], list[int]]:
    """Drop columns with no header and no values (trailing delimiters, empty sheet columns)."""
    keep = [
        i
        for i, h in enumerate(raw_headers)
        if (h or "").replace(_BOM, "").strip()
        or any((v := vals[i]) is not None and v.strip() for _, vals in rows)
    ]
    if len(keep) == len(raw_headers):
        return list(raw_headers), rows, keep
    return [raw_headers[i] for i in keep], [(n, [vals[i] for i in keep]) for n, vals in rows], keep


# -- CSV ------------------------------------------------------------------------------------


def _checked(found: _Found, source: Source) -> tuple[list[str], list[tuple[int, list[str | None]]]]:
    """The headers and non-blank rows of a found table; raises when it has no rows or lacks mapped columns."""
    rows = [(n, v) for n, v in found.rows if any(x is not None and x.strip() for x in v)]
    if not rows:
        raise _error(source, f"empty: the {_FORMAT_NAMES[source.format]} has a header but no data rows")
    _check_headers(found.names, source)
    return found.names, rows

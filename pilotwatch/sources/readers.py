"""Turning fetched bytes into a table of *strings* with the row number a person would look up.

Why strings: number formats in the sources ("89,8", "1 234,5", "6,6 mln. USD") are decided in
one place, ``transforms.numbers``; a reader that guessed types would turn "89,8" into 898 or
null without a trace. Why ``_row``: a rejected value is only useful to an operator if they can
open the file and find it, so ``_row`` is the line in the CSV, the row in the sheet, or the
1-based record index in JSON/Parquet. Why strict checks (HTML, empty, ragged, missing mapped
columns): an error page saved as ``data.csv`` must fail loudly here, not as an empty year later.

CSV and XLSX go through the same table finder (:func:`_locate`), so both doors and both formats
accept the same layouts: title rows above the header, Russian/Kazakh/English header names for
the mapped roles (:data:`HEADER_SYNONYMS`), a unit in a header ("Фонд оплаты труда, млн. тенге")
or in a units row under it, and notes or footnotes after the table ("Примечание: …", "* …"),
which are reported, not read as data. Limits (``source.limits``) are checked before work that
they bound: a workbook's declared unpacked size before parsing, the row count while streaming.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import polars as pl

from pilotwatch.catalogue import Source
from pilotwatch.sources.fetch import SourceError, source_uri

__all__ = ["HEADER_SYNONYMS", "ROW_COLUMN", "ReadTable", "TableLayout", "mapped_columns", "read_source", "read_table"]

#: The row-number column added to every table.
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


def read_table(content: bytes, source: Source) -> pl.DataFrame:
    """The table of :func:`read_source` alone (for callers that need no notes or units)."""
    return read_source(content, source).frame


def read_source(content: bytes, source: Source) -> ReadTable:
    """Read ``content`` as ``source.format`` into an all-String table plus an Int64 ``_row``.

    Headers are stripped of whitespace and BOM; fully blank rows are dropped; empty cells are
    null. Every column the catalogue maps must be present (by its name, or for the roles body,
    year, indicator, value and unit by a recognised Russian/Kazakh/English name).

    Raises:
        SourceError: HTML instead of data, empty or header-only content, undecodable or mixed
            encodings, ragged CSV rows, invalid JSON or an API error object, no header row
            found (other sheets holding one are named), a mapped column missing (the message
            lists the available headers), formulas without saved results, or a limit exceeded
            (the limit is named).
    """
    fmt = _FORMAT_NAMES[source.format]
    if not content or not content.strip():
        raise _error(source, f"empty: no {fmt} content (0 bytes)")
    head = content[:512].lstrip().removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        raise _error(
            source,
            f"got an HTML page, not {fmt} data — the server probably returned an error or login page "
            "instead of the file; check the url",
        )
    if source.format == "csv":
        found = _read_csv(content, source)
    elif source.format == "xlsx":
        found = _read_xlsx(content, source)
    else:
        headers, rows = _read_json(content, source) if source.format == "json" else _read_parquet(content, source)
        _check_row_limit(len(rows), source)
        renamed = _recognise(headers, source)
        found = _Found(names=[renamed.get(h, h) for h in headers], rows=rows, renamed=renamed, headers=headers)

    headers, rows = _checked(found, source)
    data: dict[str, list[str | None]] = {h: [vals[i] for _, vals in rows] for i, h in enumerate(headers)}
    df = pl.DataFrame(data, schema=dict.fromkeys(headers, pl.String))
    frame = df.with_columns(pl.Series(ROW_COLUMN, [n for n, _ in rows], dtype=pl.Int64))
    return ReadTable(frame=frame, **{f.name: getattr(found, f.name) for f in fields(TableLayout)})


def _checked(found: _Found, source: Source) -> tuple[list[str], list[tuple[int, list[str | None]]]]:
    """The headers and non-blank rows of a found table; raises when it has no rows or lacks mapped columns."""
    rows = [(n, v) for n, v in found.rows if any(x is not None and x.strip() for x in v)]
    if not rows:
        raise _error(source, f"empty: the {_FORMAT_NAMES[source.format]} has a header but no data rows")
    _check_headers(found.names, source)
    return found.names, rows


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

_WIDE_BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le", "UTF-32"), (b"\x00\x00\xfe\xff", "utf-32-be", "UTF-32"),
              (b"\xff\xfe", "utf-16-le", "UTF-16"), (b"\xfe\xff", "utf-16-be", "UTF-16"))


def _wide_encoding(content: bytes) -> tuple[str, str, int] | None:
    """(codec, name, BOM length) of UTF-16/UTF-32 text, by its BOM or its pattern of NUL bytes."""
    for bom, codec, name in _WIDE_BOMS:
        if content.startswith(bom):
            return codec, name, len(bom)
    sample = content[:4096]
    if sample.count(0) < max(4, len(sample) // 10):
        return None
    share = [sample[k::4].count(0) / max(1, len(sample[k::4])) for k in range(4)]
    if min(share[1:]) > 0.9 and share[0] < 0.5:
        return "utf-32-le", "UTF-32", 0
    if min(share[:3]) > 0.9 and share[3] < 0.5:
        return "utf-32-be", "UTF-32", 0
    odd, even = sample[1::2].count(0), sample[0::2].count(0)
    return ("utf-16-le", "UTF-16", 0) if odd > even else ("utf-16-be", "UTF-16", 0)


def _mixed_lines(content: bytes) -> tuple[list[int], list[int]]:
    """(lines that are non-ASCII UTF-8, lines that are not UTF-8), 1-based physical lines."""
    utf8, other = [], []
    for n, line in enumerate(content.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8.append(n)
        except UnicodeDecodeError:
            other.append(n)
    return utf8, other


def _ranges(lines: list[int], limit: int = 5) -> str:
    shown = ", ".join(str(n) for n in lines[:limit])
    return shown + (f" (+{len(lines) - limit} more)" if len(lines) > limit else "")


def _decode(content: bytes, source: Source) -> tuple[str, str]:
    """Decode CSV bytes to (text, encoding name).

    ``auto``: UTF-16/UTF-32 by BOM or NUL pattern, then UTF-8 (BOM or not), then cp1251 (Windows
    exports) — unless some lines are UTF-8 and others are not: a file glued from two exports
    would otherwise turn one half into mojibake that fails later as "unknown body".
    """
    encoding = source.csv.encoding
    wide = _wide_encoding(content)
    if encoding == "auto" and wide:
        codec, name, bom = wide
        try:
            return content[bom:].decode(codec), name
        except UnicodeDecodeError as exc:
            raise _error(source, f"the file looks like {name} text ({codec}) but is not valid {name} at byte "
                                 f"{exc.start + bom}; re-export it as UTF-8 CSV") from None
    if wide and encoding in ("utf-8", "utf-8-sig", "cp1251"):
        raise _error(source, f"the file is {wide[1]} text ({wide[0]}, NUL bytes between characters), not "
                             f"{encoding}; set csv.encoding: auto or {wide[1].lower()}, or re-export it as UTF-8")
    candidates = ["utf-8-sig", "cp1251"] if encoding == "auto" else [encoding]
    problems = []
    for enc in candidates:
        codec = {"utf-8": "utf-8-sig", "utf-16": "utf-16", "utf-32": "utf-32"}.get(enc, enc)
        try:
            return content.decode(codec), enc
        except UnicodeDecodeError as exc:
            problems.append(f"{enc} fails at byte {exc.start}")
            if enc.startswith("utf-8"):
                utf8, other = _mixed_lines(content)
                if utf8 and other:
                    raise _error(
                        source,
                        f"mixed text encodings: line(s) {_ranges(utf8)} are UTF-8 but line(s) {_ranges(other)} "
                        "are not (cp1251?); the file was probably glued from two exports — re-export it in one "
                        "encoding",
                    ) from None
        except UnicodeError as exc:
            problems.append(f"{enc}: {exc}")
    raise _error(source, f"cannot decode the CSV text ({'; '.join(problems)}); set csv.encoding")


def _sniff_delimiter(lines: Sequence[str]) -> str:
    """The candidate delimiter that splits the most lines into the same number (>1) of fields.

    Title rows above the header have one field whatever the delimiter, so they do not vote; on a
    tie the delimiter giving more fields wins (decimal commas in a ';' file split consistently too).
    """
    best, best_score = ",", (0, 0)
    for d in _DELIMITERS:
        counts = [len(r) for r in csv.reader(lines, delimiter=d) if r]
        multi = [n for n in counts if n > 1]
        if not multi:
            continue
        mode = max(set(multi), key=lambda n: (multi.count(n), n))
        score = (multi.count(mode), mode)  # ties: more fields ("89,8" in a ';' file splits at ',' too)
        if score > best_score:
            best, best_score = d, score
    return best


def _read_csv(content: bytes, source: Source) -> _Found:
    text, encoding = _decode(content, source)
    text = text.lstrip(_BOM)
    head = list(itertools.islice(io.StringIO(text, newline=""), 50))
    delimiter = source.csv.delimiter or _sniff_delimiter(head)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    grid: list[tuple[int, list[str | None]]] = []
    line = 0  # physical lines consumed so far; a record starts on the line after
    try:
        for record in reader:
            start, line = line + 1, reader.line_num
            if not record:  # a blank line
                continue
            grid.append((start, [v if v != "" else None for v in record]))
            if len(grid) > source.limits.max_rows:
                _check_row_limit(len(grid), source)
    except csv.Error as exc:
        raise _error(source, f"malformed CSV at line {reader.line_num}: {exc}") from None
    if not grid:
        raise _error(source, "empty: the CSV has no header line")
    found = _locate(grid, source, source.csv.header_row, "CSV")
    found.encoding = encoding if encoding not in ("auto", "utf-8", "utf-8-sig") else None
    return found


# -- XLSX -----------------------------------------------------------------------------------


def _cell_text(value: Any) -> str | None:
    """A cell as the text a person sees, without float noise (89.8 → "89.8", 2017 → "2017")."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.15g}"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _size(n: int) -> str:
    return f"{n / 2**30:.1f} GB" if n >= 2**30 else f"{n / 2**20:.0f} MB"


def _check_unpacked(content: bytes, source: Source) -> None:
    """Refuse a workbook whose zip declares more unpacked bytes than ``limits.max_unpacked_bytes``.

    Checked before parsing: an 8 MB zip can hold 2 GB of sheet XML, which openpyxl would parse
    for many minutes while the refresh holds the writer lock. Python's zipfile never inflates a
    member beyond its declared size, so the declared sizes bound the work.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            total = sum(i.file_size for i in zf.infolist())
    except zipfile.BadZipFile as exc:
        raise _error(source, f"not a valid XLSX workbook ({exc})") from None
    limit = source.limits.max_unpacked_bytes
    if total > limit:
        raise _error(source, f"the workbook unpacks to {_size(total)} ({total:,} bytes declared in the zip), over "
                             f"limits.max_unpacked_bytes = {_size(limit)}; refused before parsing (a zip bomb or "
                             "a workbook far larger than a table of indicators); raise the limit if it is genuine")


def _sheet_rows(ws: Any, source: Source, name: str) -> Iterator[tuple[Any, ...]]:
    """Rows of a read-only sheet, failing once more than ``limits.max_rows`` have been read."""
    ws.reset_dimensions()  # exporters often write a wrong <dimension>; read what is there
    for n, row in enumerate(ws.iter_rows(values_only=True), start=1):
        if n > source.limits.max_rows:
            raise _error(source, f"sheet {name!r} has more than limits.max_rows = {source.limits.max_rows:,} rows; "
                                 "reading stopped there; raise limits.max_rows for this source if it is genuine")
        yield row


def _grid(rows: Iterable[tuple[Any, ...]]) -> list[tuple[int, list[str | None]]]:
    grid = [[_cell_text(v) for v in row] for row in rows]
    width = max((len(r) for r in grid), default=0)
    return [(n, r + [None] * (width - len(r))) for n, r in enumerate(grid, start=1)]


def _read_xlsx(content: bytes, source: Source) -> _Found:
    import openpyxl  # imported here: only XLSX sources pay for it
    from openpyxl.utils.exceptions import InvalidFileException

    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise _error(source, "this is an old binary .xls workbook, not XLSX; save it as .xlsx")
    _check_unpacked(content, source)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        raise _error(source, f"not a valid XLSX workbook ({exc})") from None
    try:
        sheet = source.xlsx.sheet
        if isinstance(sheet, int):
            if not 0 <= sheet < len(wb.worksheets):
                raise _error(source, f"sheet index {sheet} does not exist; the workbook has {wb.sheetnames}")
            ws = wb.worksheets[sheet]
        else:
            if sheet not in wb.sheetnames:
                raise _error(source, f"sheet {sheet!r} not found; the workbook has {wb.sheetnames}")
            ws = wb[sheet]
        name = ws.title
        grid = _grid(_sheet_rows(ws, source, name))
        try:
            if not any(_filled(r) for _, r in grid):
                raise _error(source, f"empty: the sheet {name!r} has no cells with values")
            found = _locate(grid, source, source.xlsx.header_row, "XLSX")
            _checked(found, source)
        except SourceError as exc:
            others = _other_tables(wb, source, name)
            if not others:
                raise
            raise _error(source, f"{exc.problem}; other sheets: {others} — set xlsx.sheet") from None
    finally:
        wb.close()
    found.sheet = name
    _check_formulas(content, source, found, name)
    return found


def _other_tables(wb: Any, source: Source, chosen: str) -> str:
    """The other sheets, saying which hold a table with the mapped columns (first 30 rows only)."""
    parts = []
    for ws in wb.worksheets:
        if ws.title == chosen:
            continue
        ws.reset_dimensions()
        head = _grid(itertools.islice(ws.iter_rows(values_only=True), HEADER_SEARCH_ROWS))
        try:
            h = _find_header(head, source, None) if any(_filled(r) for _, r in head) else None
        except SourceError:
            h = None
        if h is None:
            parts.append(f"{ws.title!r} (no table)" if not any(_filled(r) for _, r in head) else
                         f"{ws.title!r} (no row with the mapped columns)")
        else:
            parts.append(f"{ws.title!r} has a table with header row {head[h][0]}: {_filled(head[h][1])}")
    return "; ".join(parts)


def _check_formulas(content: bytes, source: Source, found: _Found, name: str) -> None:
    """Refuse formulas without a saved result, naming the cells (they read as empty otherwise).

    Workbooks written by programs that do not calculate (scripts, some exporters) store the
    formula but no value; reading them as "missing value" would send the operator looking for
    data that is in fact one "open and save" away.
    """
    blanks = {(n, j) for n, cells in found.rows for j, v in enumerate(cells) if v is None}
    if not blanks:
        return
    import openpyxl
    from openpyxl.utils import get_column_letter

    wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    try:
        ws = wb[name]
        col = {i: j for j, i in enumerate(_kept_columns(found))}
        formulas = []
        for n, row in enumerate(_sheet_rows(ws, source, name), start=1):
            for i, v in enumerate(row):
                j = col.get(i)
                if j is not None and (n, j) in blanks and isinstance(v, str) and v.startswith("="):
                    formulas.append(f"{get_column_letter(i + 1)}{n} ({v})")
    finally:
        wb.close()
    if formulas:
        raise _error(source, f"{len(formulas)} formula cell(s) without a saved result: {', '.join(formulas[:5])}"
                             f"{' …' if len(formulas) > 5 else ''}; the workbook was written by a program that "
                             "does not calculate — open and save it in Excel or LibreOffice, or export values")


def _kept_columns(found: _Found) -> list[int]:
    return found.kept_columns or list(range(len(found.names)))


# -- JSON -----------------------------------------------------------------------------------


def _json_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return _cell_text(value)
    return json.dumps(value, ensure_ascii=False)


def _read_json(content: bytes, source: Source) -> tuple[list[str], list[tuple[int, list[str | None]]]]:
    try:
        doc = json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise _error(source, f"not valid JSON: not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise _error(
            source,
            f"not valid JSON ({exc.msg}) at line {exc.lineno} column {exc.colno}; the download may be truncated",
        ) from None
    if isinstance(doc, dict) and "error" in doc:
        raise _error(source, f"the API returned an error instead of data: {doc['error']!r}")
    records: Any = doc
    path = source.json_options.records_path
    for part in [p for p in path.split(".") if p] if path else []:
        if isinstance(records, dict) and part in records:
            records = records[part]
        elif isinstance(records, list) and part.isdigit() and int(part) < len(records):
            records = records[int(part)]
        else:
            keys = list(records) if isinstance(records, dict) else type(records).__name__
            raise _error(source, f"json.records_path {path!r}: {part!r} not found (available: {keys})")
    if isinstance(records, dict):
        raise _error(
            source,
            f"expected a JSON array of records, got an object with keys {list(records)}; set json.records_path",
        )
    if not isinstance(records, list):
        raise _error(source, f"expected a JSON array of records, got {type(records).__name__}")
    if not records:
        raise _error(source, "empty: the JSON array has no records")
    headers: dict[str, None] = {}
    for i, rec in enumerate(records):
        if not isinstance(rec, dict):
            raise _error(source, f"record {i + 1} is a {type(rec).__name__}, not an object")
        headers.update(dict.fromkeys(rec))
    keys = list(headers)
    rows = [(i + 1, [_json_text(rec.get(k)) for k in keys]) for i, rec in enumerate(records)]
    return [_clean_header(k, i) for i, k in enumerate(keys)], rows


# -- Parquet --------------------------------------------------------------------------------


def _read_parquet(content: bytes, source: Source) -> tuple[list[str], list[tuple[int, list[str | None]]]]:
    try:
        df = pl.read_parquet(io.BytesIO(content))
    except Exception as exc:  # polars raises several unrelated types for a corrupt file
        raise _error(source, f"not a valid Parquet file ({type(exc).__name__}: {exc})") from None
    nested = [c for c, t in df.schema.items() if t.is_nested()]
    if nested:
        raise _error(source, f"nested Parquet column(s) {nested} cannot be read as text")
    # Through Python values, so floats read like XLSX cells (2017.0 -> "2017", no float noise).
    cols: Iterable[list[str | None]] = (
        [
            _json_text(v) if isinstance(v, bool | int | float | str) else _cell_text(v)
            for v in df.get_column(c).to_list()
        ]
        for c in df.columns
    )
    values = list(zip(*cols, strict=True)) if df.width else []
    rows = [(i + 1, list(v)) for i, v in enumerate(values)]
    return [_clean_header(c, i) for i, c in enumerate(df.columns)], rows

"""Turning fetched bytes into a table of *strings* with the row number a person would look up.

Why strings: number formats in the sources ("89,8", "1 234,5", "6,6 mln. USD") are decided in
one place, ``transforms.numbers``; a reader that guessed types would turn "89,8" into 898 or
null without a trace. Why ``_row``: a rejected value is only useful to an operator if they can
open the file and find it, so ``_row`` is the line in the CSV, the row in the sheet, or the
1-based record index in JSON/Parquet. Why strict checks (HTML, empty, ragged, missing mapped
columns): an error page saved as ``data.csv`` must fail loudly here, not as an empty year later.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any

import polars as pl

from pilotwatch.catalogue import Source
from pilotwatch.sources.fetch import SourceError, source_uri

__all__ = ["ROW_COLUMN", "mapped_columns", "read_table"]

#: The row-number column added to every table.
ROW_COLUMN = "_row"
#: How far down an XLSX sheet the header row is looked for.
HEADER_SEARCH_ROWS = 30
_DELIMITERS = (",", ";", "\t", "|")
_BOM = "\ufeff"
_FORMAT_NAMES = {"csv": "CSV", "xlsx": "XLSX", "json": "JSON", "parquet": "Parquet"}


def _error(source: Source, problem: str) -> SourceError:
    return SourceError(source.id, source_uri(source), problem)


def mapped_columns(source: Source) -> list[str]:
    """Header names the catalogue maps for ``source`` (each must exist in the table)."""
    c = source.columns
    names = [n for n in (c.year, c.indicator, c.body, c.value, c.unit) if n]
    names += list(c.bodies) + list(c.indicators)
    return list(dict.fromkeys(names))


def read_table(content: bytes, source: Source) -> pl.DataFrame:
    """Read ``content`` as ``source.format`` into an all-String table plus an Int64 ``_row``.

    Headers are stripped of whitespace and BOM; fully blank rows are dropped; empty cells are
    null. Every column the catalogue maps must be present.

    Raises:
        SourceError: HTML instead of data, empty or header-only content, undecodable text,
            ragged CSV rows, invalid JSON or an API error object, no header row found in a
            sheet, or a mapped column missing (the message lists the available headers).
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
        headers, rows = _read_csv(content, source)
    elif source.format == "xlsx":
        headers, rows = _read_xlsx(content, source)
    elif source.format == "json":
        headers, rows = _read_json(content, source)
    else:
        headers, rows = _read_parquet(content, source)

    rows = [(n, vals) for n, vals in rows if any(v is not None and v.strip() for v in vals)]
    if not rows:
        raise _error(source, f"empty: the {fmt} has a header but no data rows")
    _check_headers(headers, source)
    data: dict[str, list[str | None]] = {h: [vals[i] for _, vals in rows] for i, h in enumerate(headers)}
    df = pl.DataFrame(data, schema=dict.fromkeys(headers, pl.String))
    return df.with_columns(pl.Series(ROW_COLUMN, [n for n, _ in rows], dtype=pl.Int64))


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


def _drop_unnamed_blank(
    raw_headers: Sequence[str | None], rows: list[tuple[int, list[str | None]]]
) -> tuple[list[str | None], list[tuple[int, list[str | None]]]]:
    """Drop columns with no header and no values (trailing delimiters, empty sheet columns)."""
    keep = [
        i
        for i, h in enumerate(raw_headers)
        if (h or "").replace(_BOM, "").strip()
        or any((v := vals[i]) is not None and v.strip() for _, vals in rows)
    ]
    if len(keep) == len(raw_headers):
        return list(raw_headers), rows
    return [raw_headers[i] for i in keep], [(n, [vals[i] for i in keep]) for n, vals in rows]


# -- CSV ------------------------------------------------------------------------------------


def _decode(content: bytes, source: Source) -> str:
    """Decode CSV bytes: ``auto`` tries UTF-8 (BOM or not), then cp1251 (Windows exports)."""
    encoding = source.csv.encoding
    candidates = ["utf-8-sig", "cp1251"] if encoding == "auto" else [encoding]
    problems = []
    for enc in candidates:
        try:
            return content.decode("utf-8-sig" if enc == "utf-8" else enc)
        except UnicodeDecodeError as exc:
            problems.append(f"{enc} fails at byte {exc.start}")
    raise _error(source, f"cannot decode the CSV text ({'; '.join(problems)}); set csv.encoding")


def _sniff_delimiter(header_line: str) -> str:
    """The candidate delimiter that occurs most often outside quotes in the header line."""
    counts = dict.fromkeys(_DELIMITERS, 0)
    quoted = False
    for ch in header_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(_DELIMITERS, key=lambda d: counts[d])  # ties: the earlier candidate
    return best if counts[best] else ","


def _read_csv(content: bytes, source: Source) -> tuple[list[str], list[tuple[int, list[str | None]]]]:
    text = _decode(content, source).lstrip(_BOM)
    first_line = text.splitlines()[0] if text else ""
    delimiter = source.csv.delimiter or _sniff_delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[tuple[int, list[str | None]]] = []
    line = 0  # physical lines consumed so far; a record starts on the line after
    try:
        for record in reader:
            start, line = line + 1, reader.line_num
            if not record:  # a blank line
                continue
            if header is None:
                header = record
                continue
            if len(record) != len(header):
                extra = record[len(header) :]
                if len(record) > len(header) and not any(v.strip() for v in extra):
                    record = record[: len(header)]  # trailing delimiters from spreadsheet exports
                else:
                    raise _error(
                        source,
                        f"line {start} has {len(record)} fields but the header (line 1) has {len(header)}; "
                        f"check the delimiter ({delimiter!r}) and quoting",
                    )
            rows.append((start, [v if v != "" else None for v in record]))
    except csv.Error as exc:
        raise _error(source, f"malformed CSV at line {reader.line_num}: {exc}") from None
    if header is None:
        raise _error(source, "empty: the CSV has no header line")
    raw, rows = _drop_unnamed_blank(header, rows)
    return [_clean_header(h, i) for i, h in enumerate(raw)], rows


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


def _read_xlsx(content: bytes, source: Source) -> tuple[list[str], list[tuple[int, list[str | None]]]]:
    import openpyxl  # imported here: only XLSX sources pay for it
    from openpyxl.utils.exceptions import InvalidFileException

    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise _error(source, "this is an old binary .xls workbook, not XLSX; save it as .xlsx")
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
        ws.reset_dimensions()  # exporters often write a wrong <dimension>; read what is there
        grid = [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
    finally:
        wb.close()
    width = max((len(r) for r in grid), default=0)
    grid = [r + [None] * (width - len(r)) for r in grid]
    if not any(any(v is not None and v.strip() for v in r) for r in grid):
        raise _error(source, "empty: the sheet has no cells with values")

    header_index = _find_header_row(grid, source)
    raw_header = grid[header_index]
    rows = [(header_index + 2 + i, r) for i, r in enumerate(grid[header_index + 1 :])]
    raw, rows = _drop_unnamed_blank(raw_header, rows)
    return [_clean_header(h, i) for i, h in enumerate(raw)], rows


def _find_header_row(grid: list[list[str | None]], source: Source) -> int:
    """0-based index of the header row: ``xlsx.header_row`` or the first row (of the first 30)
    holding every mapped column name — report titles above the table are common."""
    if source.xlsx.header_row is not None:
        index = source.xlsx.header_row - 1
        if index >= len(grid):
            raise _error(
                source, f"xlsx.header_row={source.xlsx.header_row} is below the last row ({len(grid)})"
            )
        return index
    wanted = set(mapped_columns(source))
    best: tuple[int, int] = (-1, 0)
    for i, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        names = {_clean_header(v, 0) for v in row if v is not None}
        if not any(v is not None and v.strip() for v in row):
            continue
        if not wanted:
            return i  # nothing to look for: the first non-blank row
        hits = len(wanted & names)
        if hits == len(wanted):
            return i
        if hits > best[1]:
            best = (i, hits)
    near = f"; row {best[0] + 1} has {best[1]} of them: {[v for v in grid[best[0]] if v]}" if best[1] else ""
    raise _error(
        source,
        f"no header row found in the first {HEADER_SEARCH_ROWS} rows: none contains all mapped columns "
        f"{sorted(wanted)}{near}; fix the column names or set xlsx.header_row",
    )


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

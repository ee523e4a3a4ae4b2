"""Turning fetched bytes into a table of *strings* with the row number a person would look up.

Why strings: number formats in the sources ("89,8", "1 234,5", "6,6 mln. USD") are decided in
one place, ``transforms.numbers``; a reader that guessed types would turn "89,8" into 898 or
null without a trace. Why ``_row``: a rejected value is only useful to an operator if they can
open the file and find it, so ``_row`` is the line in the CSV, the row in the sheet, or the
1-based record index in JSON/Parquet. Why strict checks (HTML, empty, ragged, missing mapped
columns): an error page saved as ``data.csv`` must fail loudly here, not as an empty year later.

CSV (``csv_files``) and XLSX (``workbooks``) go through the same table finder (``tables._locate``), so both doors and both formats
accept the same layouts: title rows above the header, Russian/Kazakh/English header names for
the mapped roles (:data:`HEADER_SYNONYMS`), a unit in a header ("Фонд оплаты труда, млн. тенге")
or in a units row under it, and notes or footnotes after the table ("Примечание: …", "* …"),
which are reported, not read as data. Limits (``source.limits``) are checked before work that
they bound: a workbook's declared unpacked size before parsing, the row count while streaming.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from dataclasses import fields
from typing import Any

import polars as pl

from pilotwatch.catalogue import Source
from pilotwatch.sources.csv_files import _read_csv
from pilotwatch.sources.tables import (
    _FORMAT_NAMES,
    HEADER_SYNONYMS,
    ROW_COLUMN,
    ReadTable,
    TableLayout,
    _check_row_limit,
    _checked,
    _clean_header,
    _error,
    _Found,
    _recognise,
    mapped_columns,
)
from pilotwatch.sources.workbooks import _cell_text, _read_xlsx

__all__ = ["HEADER_SYNONYMS", "ROW_COLUMN", "ReadTable", "TableLayout", "mapped_columns", "read_source", "read_table"]


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


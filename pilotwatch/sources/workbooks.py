"""XLSX bytes to a grid of strings, bounded: the zip's declared unpacked size is checked before parsing,
rows are counted while streaming, formulas without saved results and tables on other sheets are named."""


from __future__ import annotations

import datetime as dt
import io
import itertools
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

from pilotwatch.catalogue import Source
from pilotwatch.sources.fetch import SourceError
from pilotwatch.sources.tables import (
    HEADER_SEARCH_ROWS,
    _checked,
    _error,
    _filled,
    _find_header,
    _Found,
    _locate,
)


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



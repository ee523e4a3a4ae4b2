"""Readers refuse hostile or odd files by name (issue 13): zip bombs and row floods stop at a named
limit before the work they bound, UTF-16/UTF-32 are read, mixed encodings, formulas without saved
results and tables on another sheet are named as what they are."""

from __future__ import annotations

import io
import struct
import time
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from pilotwatch.catalogue import Source
from pilotwatch.sources.fetch import SourceError
from pilotwatch.sources.readers import read_source, read_table

ROWS = "Государственный орган;Год;Показатель;Значение\nАДГС;2021;Достижение целей;91,4\nМЮ;2021;Достижение целей;88\n"


def source(fmt: str = "csv", **extra: Any) -> Source:
    spec: dict[str, Any] = {
        "id": "t", "dataset": "evaluation_center", "years": [2021], "kind": "file", "path": f"x.{fmt}",
        "format": fmt, "layout": "long",
        "columns": {"body": "body", "year": "year", "indicator": "indicator", "value": "value"}, **extra,
    }
    return Source.model_validate(spec)


def small_xlsx(rows: list[list[Any]]) -> bytes:
    wb = openpyxl.Workbook()
    for r in rows:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def with_sheet_xml(content: bytes, sheet_xml: bytes) -> bytes:
    """The workbook with ``xl/worksheets/sheet1.xml`` replaced (deflated, as Excel writes it)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = sheet_xml if info.filename == "xl/worksheets/sheet1.xml" else src.read(info)
            dst.writestr(info.filename, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


def sheet_with_rows(n: int) -> bytes:
    rows = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>acsa</t></is></c><c r="B%d"><v>2021</v></c>'
        b'<c r="C%d" t="inlineStr"><is><t>goal_achievement</t></is></c><c r="D%d"><v>%d</v></c></row>'
        % (i, i, i, i, i, i % 100) for i in range(2, n + 2)
    )
    header = (b'<row r="1"><c r="A1" t="inlineStr"><is><t>body</t></is></c><c r="B1" t="inlineStr"><is><t>year</t>'
              b'</is></c><c r="C1" t="inlineStr"><is><t>indicator</t></is></c><c r="D1" t="inlineStr"><is><t>value'
              b'</t></is></c></row>')
    return (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats'
            b'.org/spreadsheetml/2006/main"><dimension ref="A1:D%d"/><sheetData>' % (n + 1)
            + header + rows + b"</sheetData></worksheet>")


def declare_size(content: bytes, member: str, size: int) -> bytes:
    """Rewrite the uncompressed size the zip's central directory declares for ``member``."""
    buf = bytearray(content)
    name = member.encode()
    at = buf.find(b"PK\x01\x02" + b"", 0)
    while at != -1:
        name_len = struct.unpack_from("<H", buf, at + 28)[0]
        if bytes(buf[at + 46 : at + 46 + name_len]) == name:
            struct.pack_into("<I", buf, at + 24, size)
            return bytes(buf)
        at = buf.find(b"PK\x01\x02", at + 4)
    raise AssertionError(f"{member} not in the zip")


# -- limits ---------------------------------------------------------------------------------


def test_zip_bomb_declaring_2_gb_is_refused_before_parsing() -> None:
    bomb = declare_size(small_xlsx([["body", "year", "indicator", "value"], ["acsa", 2021, "k", 1]]),
                        "xl/worksheets/sheet1.xml", 2_000_000_000)
    assert len(bomb) < 20_000  # small on disk
    started = time.monotonic()
    with pytest.raises(SourceError, match=r"unpacks to 1\.9 GB .*over limits\.max_unpacked_bytes = 64 MB.*before parsing"):
        read_table(bomb, source("xlsx"))
    assert time.monotonic() - started < 2


def test_honest_large_workbook_over_a_configured_size_limit() -> None:
    content = with_sheet_xml(small_xlsx([["x"]]), sheet_with_rows(20_000))
    assert len(content) < 1_000_000  # ~4 MB of sheet XML
    with pytest.raises(SourceError, match=r"limits\.max_unpacked_bytes = 1 MB"):
        read_table(content, source("xlsx", limits={"max_unpacked_bytes": 1_048_576}))


def test_sheet_rows_stop_at_the_row_limit_while_streaming() -> None:
    """Rows are counted while streaming: a sheet whose XML breaks after 5,000 rows fails at the row
    limit, proving nothing past the limit was parsed (no timing involved). The sheet declares its
    <dimension> first, as Excel writes it; without one openpyxl scans the sheet once with expat at
    load, which ``limits.max_unpacked_bytes`` bounds."""
    broken = sheet_with_rows(5_000).replace(b"</sheetData></worksheet>", b"<row r=\"9999\"><c><<<not xml")
    content = with_sheet_xml(small_xlsx([["x"]]), broken)
    with pytest.raises(SourceError, match=r"more than limits\.max_rows = 100 rows; reading stopped there"):
        read_table(content, source("xlsx", limits={"max_rows": 100}))
    with pytest.raises(Exception, match="not well-formed"):  # without the cap, the parser reaches the break
        read_table(content, source("xlsx"))


def test_csv_rows_per_file_limit() -> None:
    text = "body,year,indicator,value\n" + "acsa,2021,goal_achievement,1\n" * 50
    with pytest.raises(SourceError, match=r"more than limits\.max_rows = 10 rows"):
        read_table(text.encode(), source(limits={"max_rows": 10}))
    assert read_table(text.encode(), source(limits={"max_rows": 51})).height == 50


# -- encodings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (ROWS.encode("utf-16"), "UTF-16"),  # with BOM, as Excel's "Unicode text" saves
        (ROWS.encode("utf-16-le"), "UTF-16"),  # no BOM: found by the NUL bytes between ASCII letters
        (ROWS.encode("utf-16-be"), "UTF-16"),
        (ROWS.encode("utf-32"), "UTF-32"),
    ],
)
def test_utf16_and_utf32_are_read(data: bytes, name: str) -> None:
    got = read_source(data, source())
    assert got.encoding == name
    assert got.frame["body"].to_list() == ["АДГС", "МЮ"]
    assert got.frame["value"].to_list() == ["91,4", "88"]


def test_utf16_with_a_wrong_declared_encoding_is_refused_by_name() -> None:
    with pytest.raises(SourceError, match=r"the file is UTF-16 text .* not cp1251"):
        read_table(ROWS.encode("utf-16"), source(csv={"encoding": "cp1251"}))


def test_mixed_utf8_and_cp1251_lines_are_refused_by_name() -> None:
    lines = ROWS.splitlines()
    data = (lines[0] + "\n" + lines[1] + "\n").encode("utf-8") + (lines[2] + "\n").encode("cp1251")
    with pytest.raises(SourceError, match=r"mixed text encodings: line\(s\) 1, 2 are UTF-8 but line\(s\) 3 are not"):
        read_table(data, source())


def test_cp1251_alone_is_still_read() -> None:
    assert read_table(ROWS.encode("cp1251"), source())["body"].to_list() == ["АДГС", "МЮ"]


# -- workbooks ------------------------------------------------------------------------------


def two_sheets(tmp_path: Path) -> bytes:
    wb = openpyxl.Workbook()
    wb.active.title = "Титул"
    wb.active.append(["Отчёт о результатах оценки"])
    ws = wb.create_sheet("Данные")
    ws.append(["Результаты за 2021 год"])
    ws.append(["Орган", "Год", "Показатель", "Значение"])
    ws.append(["АДГС", 2021, "Достижение целей", 91.4])
    p = tmp_path / "two.xlsx"
    wb.save(p)
    return p.read_bytes()


def test_a_table_on_another_sheet_is_named(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"other sheets: 'Данные' has a table with header row 2: "
                                          r"\['Орган', 'Год', 'Показатель', 'Значение'\] — set xlsx.sheet"):
        read_table(two_sheets(tmp_path), source("xlsx"))
    got = read_source(two_sheets(tmp_path), source("xlsx", xlsx={"sheet": "Данные"}))
    assert (got.sheet, got.header_row, got.frame["_row"].to_list()) == ("Данные", 2, [3])


def test_formula_without_a_saved_result_is_named(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()  # openpyxl writes formulas without results, like scripts and some exporters
    ws = wb.active
    ws.append(["body", "year", "indicator", "value"])
    ws.append(["acsa", 2021, "goal_achievement", 40])
    ws.append(["acsa", 2021, "net_turnover", "=D2/4"])
    p = tmp_path / "f.xlsx"
    wb.save(p)
    with pytest.raises(SourceError, match=r"1 formula cell\(s\) without a saved result: D3 \(=D2/4\).*open and save"):
        read_table(p.read_bytes(), source("xlsx"))


def test_blank_cells_without_formulas_stay_blank(tmp_path: Path) -> None:
    content = small_xlsx([["body", "year", "indicator", "value"], ["acsa", 2021, "goal_achievement", None],
                          ["acsa", 2021, "net_turnover", 3]])
    assert read_table(content, source("xlsx"))["value"].to_list() == [None, "3"]

"""``read_table``: every format to an all-String table with a findable ``_row``, strict errors."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest

from pilotwatch.catalogue import Source
from pilotwatch.sources.fetch import SourceError
from pilotwatch.sources.readers import read_table


def source(fmt: str = "csv", columns: dict[str, Any] | None = None, **extra: Any) -> Source:
    """A long-layout file source mapping ``year``, ``indicator``, ``value`` unless told otherwise."""
    spec: dict[str, Any] = {
        "id": "t",
        "dataset": "evaluation_center",
        "years": [2020],
        "kind": "file",
        "path": f"x.{fmt}",
        "format": fmt,
        "layout": "long",
        "columns": columns or {"year": "year", "indicator": "indicator", "value": "value"},
        **extra,
    }
    return Source.model_validate(spec)


def assert_all_string(df: pl.DataFrame) -> None:
    assert df.schema["_row"] == pl.Int64
    assert all(t == pl.String for c, t in df.schema.items() if c != "_row")


# -- CSV ------------------------------------------------------------------------------------


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_csv_delimiters_are_sniffed(sep: str) -> None:
    text = (
        sep.join(["year", "indicator", "value"])
        + "\n"
        + sep.join(["2020", "k1", "89,8" if sep != "," else "89.8"])
    )
    df = read_table(text.encode(), source())
    assert_all_string(df)
    assert df.columns == ["year", "indicator", "value", "_row"]
    assert df.row(0) == ("2020", "k1", "89,8" if sep != "," else "89.8", 2)


def test_csv_keeps_decimal_comma_as_text() -> None:
    df = read_table(b'year;indicator;value\n2020;k1;"89,8"\n2021;k1;1 234,5\n', source())
    assert df["value"].to_list() == ["89,8", "1 234,5"]


def test_csv_explicit_delimiter_wins() -> None:
    cols = {"indicator": "year,indicator", "value": "value"}
    df = read_table(b"year,indicator;value\n2020,k1;5\n", source(columns=cols, csv={"delimiter": ";"}))
    assert df.columns[:2] == ["year,indicator", "value"]
    with pytest.raises(SourceError, match="missing column"):
        read_table(b"year;indicator;value\n2020;k1;5\n", source(csv={"delimiter": ","}))


def test_csv_utf8_bom_and_header_whitespace() -> None:
    df = read_table("\ufeff year , indicator ,value\n2020,k,1\n".encode(), source())
    assert df.columns == ["year", "indicator", "value", "_row"]


def test_csv_cp1251_cyrillic() -> None:
    text = "Год;Показатель;Значение;Орган\n2020;Индекс;89,8;Агентство по делам госслужбы\n"
    cols = {"year": "Год", "indicator": "Показатель", "value": "Значение", "body": "Орган"}
    df = read_table(text.encode("cp1251"), source(columns=cols))
    assert df.row(0, named=True) == {
        "Год": "2020",
        "Показатель": "Индекс",
        "Значение": "89,8",
        "Орган": "Агентство по делам госслужбы",
        "_row": 2,
    }


def test_csv_explicit_encoding_mismatch_is_reported() -> None:
    with pytest.raises(SourceError, match="cannot decode.*utf-8"):
        read_table(
            "Год\n2020\n".encode("cp1251"),
            source(csv={"encoding": "utf-8"}, columns={"value": "v", "indicator": "i"}),
        )


def test_csv_row_numbers_are_physical_lines() -> None:
    text = (
        "year,indicator,value\r\n"  # line 1
        '2020,"multi\nline",1\r\n'  # lines 2-3
        "\r\n"  # line 4, blank
        ",,\r\n"  # line 5, all blank: dropped
        '2021,"a, b",2\r\n'  # line 6
    )
    df = read_table(text.encode(), source())
    assert df["_row"].to_list() == [2, 6]
    assert df["indicator"].to_list() == ["multi\nline", "a, b"]


def test_csv_empty_cells_are_null() -> None:
    df = read_table(b"year,indicator,value\n2020,k,\n", source())
    assert df["value"].to_list() == [None]


def test_csv_trailing_delimiters_are_tolerated() -> None:
    df = read_table(b"year;indicator;value;\n2020;k;1;\n2021;k;2;;\n", source())
    assert df.columns == ["year", "indicator", "value", "_row"]
    assert df.height == 2


def test_html_served_as_csv() -> None:
    page = b"\xef\xbb\xbf  \n<!DOCTYPE HTML><html><body>503</body></html>"
    with pytest.raises(SourceError, match="got an HTML page, not CSV") as exc:
        read_table(page, source())
    assert str(exc.value).startswith("source t (x.csv): ")
    with pytest.raises(SourceError, match="got an HTML page, not JSON"):
        read_table(b"<html><body>login</body></html>", source("json"))


@pytest.mark.parametrize("content", [b"", b"  \n\n", b"\xef\xbb\xbf"])
def test_empty_content(content: bytes) -> None:
    with pytest.raises(SourceError, match="empty"):
        read_table(content, source())


def test_missing_mapped_column_lists_headers() -> None:
    cols = {"year": "year", "indicator": "indicator", "value": "value", "unit": "unit"}
    with pytest.raises(
        SourceError, match=r"missing column\(s\) \['unit'\].*the file has: \['year', 'indicator', 'value'\]"
    ):
        read_table(b"year,indicator,value\n2020,k,1\n", source(columns=cols))


def test_wide_layout_maps_headers() -> None:
    src = source(
        layout="wide_bodies",
        columns={"year": "Год", "indicator": "Показатель", "bodies": {"АДГС": "adgs", "МФ": "minfin"}},
    )
    df = read_table("Год,Показатель,АДГС,МФ\n2020,k,1,2\n".encode(), src)
    assert df.columns == ["Год", "Показатель", "АДГС", "МФ", "_row"]
    with pytest.raises(SourceError, match=r"\['МФ'\]"):
        read_table("Год,Показатель,АДГС\n2020,k,1\n".encode(), src)


# -- XLSX -----------------------------------------------------------------------------------


def xlsx_bytes(
    rows: list[list[Any]], tmp_path: Path, sheet_title: str = "Data", extra_sheet: bool = False
) -> bytes:
    wb = openpyxl.Workbook()
    if extra_sheet:
        wb.active.title = "Cover"
        wb.active["A1"] = "nothing here"
        ws = wb.create_sheet(sheet_title)
    else:
        ws = wb.active
        ws.title = sheet_title
    for r in rows:
        ws.append(r)
    path = tmp_path / "book.xlsx"
    wb.save(path)
    return path.read_bytes()


TITLED = [
    ["Мониторинг пилотного проекта"],
    ["Агентство РК по делам государственной службы", None, None],
    [],
    ["year", "indicator", "value", None],
    [2017, "Индекс удовлетворенности", 89.8, None],
    [2018.0, "k2", 0.1 + 0.2, None],
    [None, None, None, None],
    [2019, "k3", "6,6 mln. USD", None],
]


def test_xlsx_finds_header_below_title_rows(tmp_path: Path) -> None:
    df = read_table(xlsx_bytes(TITLED, tmp_path), source("xlsx"))
    assert_all_string(df)
    assert df.columns == ["year", "indicator", "value", "_row"]
    assert df["year"].to_list() == ["2017", "2018", "2019"]
    assert df["value"].to_list() == ["89.8", "0.3", "6,6 mln. USD"]
    assert df["_row"].to_list() == [5, 6, 8]  # sheet rows: 3 title rows + header on row 4


def test_xlsx_explicit_header_row_and_sheet_by_name(tmp_path: Path) -> None:
    content = xlsx_bytes(TITLED, tmp_path, sheet_title="Данные", extra_sheet=True)
    df = read_table(content, source("xlsx", xlsx={"sheet": "Данные", "header_row": 4}))
    assert df["_row"].to_list() == [5, 6, 8]
    df1 = read_table(content, source("xlsx", xlsx={"sheet": 1}))
    assert df1.equals(df)


def test_xlsx_missing_sheet(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"sheet 'Nope' not found.*\['Data'\]"):
        read_table(xlsx_bytes(TITLED, tmp_path), source("xlsx", xlsx={"sheet": "Nope"}))


def test_xlsx_no_header_row_found(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no header row found in the first 30 rows.*row 4 has 2 of them"):
        read_table(xlsx_bytes([["title"], [], [], ["year", "value"], [2020, 1]], tmp_path), source("xlsx"))


def test_xlsx_numeric_year_headers_for_wide_layouts(tmp_path: Path) -> None:
    src = source("xlsx", layout="wide_indicators", columns={"body": "Орган", "indicators": {"2017": "k2017"}})
    df = read_table(xlsx_bytes([["Орган", 2017], ["АДГС", 12.5]], tmp_path), src)
    assert df.row(0) == ("АДГС", "12.5", 2)


def test_xlsx_header_only(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="empty"):
        read_table(xlsx_bytes([["T"], ["year", "indicator", "value"]], tmp_path), source("xlsx"))


# -- JSON -----------------------------------------------------------------------------------

RECORDS = [
    {"year": 2020, "indicator": "k1", "value": 89.8},
    {"year": 2021, "indicator": "k1", "value": "1 234,5", "note": None},
    {"year": None, "indicator": None, "value": None},
    {"year": 2022, "indicator": "k2", "value": True, "extra": {"a": 1}},
]


def test_json_array() -> None:
    df = read_table(json.dumps(RECORDS).encode(), source("json"))
    assert_all_string(df)
    assert df.columns == ["year", "indicator", "value", "note", "extra", "_row"]
    assert df["_row"].to_list() == [1, 2, 4]
    assert df["value"].to_list() == ["89.8", "1 234,5", "true"]
    assert df["extra"].to_list() == [None, None, '{"a": 1}']


def test_json_records_path() -> None:
    doc = {"meta": {"n": 4}, "result": {"records": RECORDS}}
    df = read_table(json.dumps(doc).encode(), source("json", json={"records_path": "result.records"}))
    assert df.height == 3


def test_json_records_path_missing() -> None:
    with pytest.raises(SourceError, match=r"records_path 'result.rows': 'rows' not found .*\['records'\]"):
        read_table(b'{"result": {"records": []}}', source("json", json={"records_path": "result.rows"}))


def test_json_truncated() -> None:
    content = json.dumps(RECORDS, indent=1).encode()[:-40]
    with pytest.raises(SourceError, match=r"not valid JSON .* at line \d+ column \d+"):
        read_table(content, source("json"))


# -- Parquet --------------------------------------------------------------------------------


def test_parquet_cast_to_string() -> None:
    df0 = pl.DataFrame({" year ": [2020, 2021], "indicator": ["k1", None], "value": [89.8, 2.0]})
    buf = io.BytesIO()
    df0.write_parquet(buf)
    df = read_table(buf.getvalue(), source("parquet"))
    assert_all_string(df)
    assert df.to_dicts() == [
        {"year": "2020", "indicator": "k1", "value": "89.8", "_row": 1},
        {"year": "2021", "indicator": None, "value": "2", "_row": 2},
    ]


def test_missing_fill_down_column() -> None:
    with pytest.raises(SourceError, match=r"missing column\(s\) \['Factor'\]"):
        read_table(b"year,indicator,value\n2020,k,1\n", source(fill_down=["Factor"]))


#: Bytes that are not the table they claim to be: each is refused with a message saying what is wrong.
BAD_BYTES = [
    pytest.param("csv", b"year,indicator,value\n2020,k,1\n2021,k,1,5\n", r"line 3 has 4 fields but the header \(line 1\) has 3", id="csv_ragged_row_names_the_line"),
    pytest.param("csv", b"year,indicator,value\n2020,k\n", "line 2 has 2 fields", id="csv_short_row_is_ragged"),
    pytest.param("csv", b"year,indicator,value\n\n", "empty: the CSV has a header but no data rows", id="header_only"),
    pytest.param("xlsx", b"PK\x03\x04garbage", "not a valid XLSX", id="not_an_xlsx"),
    pytest.param("json", b'{"data": []}', "set json.records_path", id="json_object_without_path"),
    pytest.param("json", b'{"error": "quota exceeded"}', "the API returned an error.*'quota exceeded'", id="json_error_object"),
    pytest.param("json", b"[]", "empty", id="json_empty_array"),
    pytest.param("parquet", b"PAR1 not really", "not a valid Parquet", id="parquet_garbage"),
]


@pytest.mark.parametrize(("fmt", "data", "message"), BAD_BYTES)
def test_bad_bytes_are_refused_with_a_message_saying_what_is_wrong(fmt: str, data: bytes, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        read_table(data, source(fmt))

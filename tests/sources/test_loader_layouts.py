"""One loader, every layout, both doors (issue 12 item 4): agencies' files as delivered — title rows,
Russian headers, a units row, footnotes, wide layouts, a chosen sheet — load through ``load_source``
into a real warehouse, by a catalogue entry and by ``pilotwatch ingest`` options alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import polars as pl
import pytest

import warehouse
from pilotwatch.catalogue import Catalogue, CatalogueError, Source, adhoc_source
from pilotwatch.ingest import LoadResult, load_source
from pilotwatch.sources.readers import read_source
from transforms.reshape import to_long


def load(src: Source, years: list[int] | None = None) -> LoadResult:
    with warehouse.writer("test") as con:
        return load_source(con, Catalogue(sources=[src], base_dir="/"), src, years or [2021])


def facts(db: Path) -> set[tuple[str, int, str, float]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return set(con.execute("select body_code, year, indicator, value from core.indicator_facts").fetchall())
    finally:
        con.close()


def xlsx(tmp_path: Path, rows: list[list[Any]], *, sheet: str | None = None, name: str = "book.xlsx") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    if sheet:
        ws.title = "Титул"
        ws.append(["Министерство юстиции Республики Казахстан"])
        ws = wb.create_sheet(sheet)
    for r in rows:
        ws.append(r)
    p = tmp_path / name
    wb.save(p)
    return p


DELIVERY = [
    ["Результаты оценки эффективности деятельности государственных органов за 2021 год"],
    [],
    ["Государственный орган", "Год", "Показатель", "Значение", "Единица измерения"],
    [None, None, None, None, None],
    ["Агентство по делам государственной службы", 2021, "Достижение целей", "91,4", "%"],
    ["Акимат Мангистауской области", 2021, "Достижение целей", 77.5, "%"],
    ["Агентство по делам государственной службы", 2021, "Общая оценка эффективности", 88, "%"],
    ["Акимат Мангистауской области", 2021, "Общая оценка эффективности", "80,1", "%"],
    [],
    ["Примечание: данные за 2021 год предварительные."],
    ["* Оценка проведена по методике 2020 года."],
    ["Источник: Центр оценки эффективности"],
]


def test_agency_xlsx_with_title_russian_headers_and_footnotes_loads_without_a_mapping(
        seeded_db: Path, tmp_path: Path) -> None:
    src = adhoc_source("evaluation_center", str(xlsx(tmp_path, DELIVERY)), year=2021)
    r = load(src)
    # before: the footnote rows were read as data (4 rejected values, 25 %) and the file was refused
    assert (r.status, r.rows_accepted, r.rows_rejected) == ("loaded", 4, 0), r.message
    assert "3 note(s) after the table, not read as data: row 10: Примечание" in r.message
    assert facts(seeded_db) == {("acsa", 2021, "goal_achievement", 91.4), ("mangystau", 2021, "goal_achievement", 77.5),
                                ("acsa", 2021, "overall_effectiveness", 88.0),
                                ("mangystau", 2021, "overall_effectiveness", 80.1)}


def test_a_note_inside_the_table_stays_data_and_is_refused_visibly(seeded_db: Path, tmp_path: Path) -> None:
    rows = [*DELIVERY[2:5], ["Примечание: см. ниже"], DELIVERY[5]]
    r = load(adhoc_source("evaluation_center", str(xlsx(tmp_path, rows)), year=2021, options=["max_reject_share=0.5"]))
    assert (r.rows_accepted, r.rows_rejected) == (2, 1)
    assert "row 4" in r.message


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1251"])
def test_csv_with_title_lines_and_russian_headers(seeded_db: Path, tmp_path: Path, encoding: str) -> None:
    text = ("Мониторинг качества оказания государственных услуг\n"
            "за 2021 год;;;\n"
            "Орган;Год;Показатель;Значение\n"
            "Агентство по делам государственной службы;2021;Качество оказания государственных услуг;79,4\n"
            "Акимат Мангистауской области;2021;Качество оказания государственных услуг;81\n"
            "Примечание: без учёта услуг, оказанных через ЦОН\n")
    p = tmp_path / "psm.csv"
    p.write_bytes(text.encode(encoding))
    src = adhoc_source("public_services_monitoring", str(p), year=2021)
    got = read_source(p.read_bytes(), src)
    assert (got.header_row, got.renamed) == (3, {"Орган": "body", "Год": "year", "Показатель": "indicator",
                                                  "Значение": "value"})
    assert got.frame["_row"].to_list() == [4, 5]  # the line numbers a person opens the file at
    r = load(src)
    assert (r.status, r.rows_accepted, r.rows_rejected) == ("loaded", 2, 0), r.message
    assert facts(seeded_db) == {("acsa", 2021, "public_services_quality", 79.4),
                                ("mangystau", 2021, "public_services_quality", 81.0)}


def test_english_headers_with_a_unit_in_the_value_header(tmp_path: Path) -> None:
    p = tmp_path / "e.csv"
    p.write_text("body,year,indicator,\"Value, %\"\nacsa,2021,goal_achievement,91.4\n")
    src = adhoc_source("evaluation_center", str(p), year=2021)
    got = read_source(p.read_bytes(), src)
    assert got.units == {"value": "%"}
    assert to_long(got.frame, src, got.units)["unit_text"].to_list() == ["%"]


def test_units_row_and_header_units_fill_unit_text(tmp_path: Path) -> None:
    """The unit is carried as found, for transforms.units; a unit column wins over the units row."""
    rows = [["Отчёт"], ["Орган", "Год", "Показатель", "Значение"], [None, None, None, "млн. тенге"],
            ["АДГС", 2021, "Фонд оплаты труда", "5 280,0"]]
    src = adhoc_source("payroll", str(xlsx(tmp_path, rows)), year=2021)
    got = read_source(xlsx(tmp_path, rows).read_bytes(), src)
    assert (got.units_row, got.units) == (3, {"value": "млн. тенге"})
    long = to_long(got.frame, src, got.units)
    assert long.select("_row", "body_label", "value_text", "unit_text").row(0) == (4, "АДГС", "5 280,0", "млн. тенге")
    with_col = [rows[1] + ["Ед. изм."], [None, None, None, "млн. тенге", None], rows[3] + ["тыс. тенге"]]
    got = read_source(xlsx(tmp_path, with_col, name="c.xlsx").read_bytes(), src)
    assert to_long(got.frame, src, got.units)["unit_text"].to_list() == ["тыс. тенге"]


def test_wide_bodies_on_a_chosen_sheet_with_a_units_row(seeded_db: Path, tmp_path: Path) -> None:
    rows = [["Текучесть кадров за 2021 год"],
            ["Показатель", "Агентство по делам государственной службы", "Акимат Мангистауской области"],
            [None, "%", "%"],
            ["Текучесть кадров", "3,1", "4,2"]]
    p = xlsx(tmp_path, rows, sheet="Данные")
    src = adhoc_source("payroll", str(p), year=2021,
                       options=["layout=wide_bodies", "xlsx.sheet=Данные", "columns.year=", "year=2021"])
    got = read_source(p.read_bytes(), src)
    assert to_long(got.frame, src, got.units)["unit_text"].to_list() == ["%", "%"]
    r = load(src)
    assert (r.status, r.rows_accepted, r.rows_rejected) == ("loaded", 2, 0), r.message
    assert facts(seeded_db) == {("acsa", 2021, "net_turnover", 3.1), ("mangystau", 2021, "net_turnover", 4.2)}


def test_wide_indicators_with_units_in_the_headers(seeded_db: Path, tmp_path: Path) -> None:
    p = tmp_path / "w.csv"
    p.write_text("Орган;Год;Текучесть кадров, %;Фонд оплаты труда (в тенге), млн. тенге\n"
                 "Агентство по делам государственной службы;2021;3,1;5 280,0\n", encoding="utf-8")
    src = Source.model_validate({
        "id": "w", "dataset": "payroll", "years": [2021], "kind": "file", "path": str(p), "format": "csv",
        "layout": "wide_indicators",
        "columns": {"body": "Орган", "year": "Год",
                    "indicators": {"Текучесть кадров, %": "net_turnover",
                                   "Фонд оплаты труда (в тенге), млн. тенге": "payroll_fund_mkzt"}},
    })
    got = read_source(p.read_bytes(), src)
    long = to_long(got.frame, src, got.units)
    assert dict(long.select("indicator_label", "unit_text").iter_rows()) == {
        "net_turnover": "%", "payroll_fund_mkzt": "млн. тенге"}
    r = load(src)
    assert (r.status, r.rows_accepted) == ("loaded", 2), r.message
    assert ("acsa", 2021, "net_turnover", 3.1) in facts(seeded_db)


def test_both_doors_read_a_file_the_same_way(tmp_path: Path) -> None:
    p = xlsx(tmp_path, [["Заголовок"], ["Заголовок 2"], ["Орган", "Год", "Показатель", "Значение"],
                        ["АДГС", 2021, "Достижение целей", 91.4]], sheet="Лист2")
    entry = Source.model_validate({
        "id": "door", "dataset": "evaluation_center", "years": [2021], "kind": "file", "path": str(p),
        "format": "xlsx", "layout": "long", "xlsx": {"sheet": "Лист2", "header_row": 3},
        "columns": {"body": "Орган", "year": "Год", "indicator": "Показатель", "value": "Значение"}})
    adhoc = adhoc_source("evaluation_center", str(p), year=2021, options=["xlsx.sheet=Лист2", "xlsx.header_row=3"])
    a, b = read_source(p.read_bytes(), entry), read_source(p.read_bytes(), adhoc)
    la, lb = to_long(a.frame, entry, a.units), to_long(b.frame, adhoc, b.units)
    assert la.drop("_column").equals(lb.drop("_column"))
    assert la.height == 1 and la["body_label"][0] == "АДГС"


def test_ingest_options_are_catalogue_keys_and_misspellings_fail_clearly(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match=r"(?s)xlsx.header_rw.*Extra inputs are not permitted"):
        adhoc_source("payroll", "x.xlsx", year=2021, options=["xlsx.header_rw=3"])
    with pytest.raises(CatalogueError, match="expected KEY=VALUE"):
        adhoc_source("payroll", "x.xlsx", year=2021, options=["layout"])
    s = adhoc_source("payroll", "x.csv", year=2021, options=["limits.max_rows=10", "csv.encoding=cp1251"])
    assert (s.limits.max_rows, s.csv.encoding) == (10, "cp1251")


def test_two_headers_for_one_role_are_refused_with_both_named(tmp_path: Path) -> None:
    p = tmp_path / "two.csv"
    p.write_text("Орган;Государственный орган;Год;Показатель;Значение\nАДГС;АДГС;2021;k;1\n")
    src = adhoc_source("evaluation_center", str(p), year=2021)
    with pytest.raises(Exception, match=r"columns \['Орган', 'Государственный орган'\] could each be the body column"):
        read_source(p.read_bytes(), src)


def test_thesis_tables_are_unchanged_by_header_units() -> None:
    """Body columns headed "…, %" head rows in several units: their header unit is not applied."""
    from pilotwatch import DATA_DIR
    from pilotwatch.catalogue import load_catalogue

    cat = load_catalogue(DATA_DIR / "catalogue.yaml")
    src = next(s for s in cat.sources if s.id == "thesis_table15_payroll")
    got = read_source(Path(cat.location(src)).read_bytes(), src)
    assert got.units == {} and got.notes == []
    assert to_long(got.frame, src, got.units)["unit_text"].null_count() == to_long(got.frame, src).height
    assert isinstance(got.frame, pl.DataFrame)


@pytest.mark.parametrize("header", [
    "body;year;indicator;value",
    "Государственный орган;Год;Наименование показателя;Значение",
    "Мемлекеттік орган;Жыл;Көрсеткіш;Мәні",
    "State body;Year;Indicator;Value, %",
])
def test_english_russian_and_kazakh_headers_need_no_mapping(header: str) -> None:
    src = adhoc_source("evaluation_center", "x.csv", year=2021)
    got = read_source(f"{header}\nАДГС;2021;Достижение целей;91,4\n".encode(), src)
    assert got.frame.columns == ["body", "year", "indicator", "value", "_row"]
    assert got.frame.row(0) == ("АДГС", "2021", "Достижение целей", "91,4", 2)


def test_ingest_flags_map_to_catalogue_keys_and_the_header_hint_names_them(tmp_path: Path) -> None:
    from pilotwatch.cli import build_parser
    from pilotwatch.commands.ingest import options
    from pilotwatch.sources.fetch import SourceError

    args = build_parser().parse_args(["ingest", "payroll", "fund.xlsx", "--layout", "wide_bodies", "--sheet", "Данные",
                                      "--header-row", "2", "-o", "xlsx.header_row=3"])
    assert options(args) == ["layout=wide_bodies", "xlsx.sheet=Данные", "xlsx.header_row=2", "xlsx.header_row=3"]
    src = adhoc_source("payroll", "fund.xlsx", year=2021, options=options(args))
    assert (src.layout, src.xlsx.sheet, src.xlsx.header_row) == ("wide_bodies", "Данные", 3)  # -o wins
    p = tmp_path / "t.csv"
    p.write_text("Отчёт\n\nОрган;Период отчёта;Значение\nАДГС;2021;1\n")
    with pytest.raises(SourceError, match=r"set csv.header_row \(pilotwatch ingest: --header-row N"):
        read_source(p.read_bytes(), adhoc_source("payroll", str(p), year=2021))


def test_a_limit_fails_the_source_by_name_and_changes_no_fact(seeded_db: Path, tmp_path: Path) -> None:
    from pilotwatch.ingest import LoadFailed

    first = tmp_path / "first.csv"
    first.write_text("body,year,indicator,value\nacsa,2021,goal_achievement,90\n")
    load(adhoc_source("evaluation_center", str(first), year=2021))
    before = facts(seeded_db)
    p = tmp_path / "flood.csv"
    p.write_text("body,year,indicator,value\n" + "acsa,2021,goal_achievement,91\n" * 20)
    src = adhoc_source("evaluation_center", str(p), year=2021, options=["limits.max_rows=10"])
    with pytest.raises(LoadFailed, match=r"more than limits\.max_rows = 10 rows"), warehouse.writer("test") as con:
        load_source(con, Catalogue(sources=[src], base_dir="/"), src, [2021])
    assert facts(seeded_db) == before

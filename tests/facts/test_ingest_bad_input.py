"""Every kind of bad input the refresh meets: a clear message naming source, row and column, bad
rows quarantined with a reason, and nothing already in the warehouse lost."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import duckdb
import http_fixture
import openpyxl
import pytest
from http_fixture import HttpFixture

import warehouse
from pilotwatch.catalogue import Catalogue, Source
from pilotwatch.ingest import LoadFailed, LoadResult, load_source

http_server = http_fixture.http_server

BASELINE = "body,year,indicator,value\nacsa,2020,overall_effectiveness,88.3\nastana,2020,overall_effectiveness,67.8\n"


def source(location: str, *, kind: str = "file", fmt: str = "csv", dataset: str = "evaluation_center",
           **extra: Any) -> Source:
    spec: dict[str, Any] = {
        "id": "test_source", "dataset": dataset, "years": [2020, 2021], "kind": kind, "format": fmt,
        "layout": "long", "columns": {"body": "body", "year": "year", "indicator": "indicator", "value": "value"},
        ("url" if kind == "http" else "path"): location,
        "http": {"retries": 1, "backoff_s": 0.01, "timeout_s": 1.0},
        "units": {"assume_declared": True},  # these files give values in the indicators' declared units
    }
    spec.update(extra)
    return Source.model_validate(spec)


def load(src: Source, years: list[int] | None = None) -> LoadResult:
    """Load as the flows do: a failed load is caught inside the writer so its audit row is published."""
    cat = Catalogue(sources=[src], base_dir="/")
    failure: LoadFailed | None = None
    with warehouse.writer("test") as con:
        try:
            return load_source(con, cat, src, years or [2020, 2021])
        except LoadFailed as exc:
            failure = exc
    raise failure


def facts(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("select body_code, year, indicator, value, load_id from core.indicator_facts "
                           "order by all").fetchall()
    finally:
        con.close()


def quarantine(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("select row_number, column_name, reason, raw_row from core.quarantine "
                           "order by load_id, row_number").fetchall()
    finally:
        con.close()


def last_load(db: Path) -> tuple:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("select status, rows_accepted, rows_rejected, message from meta.loads "
                           "order by load_id desc limit 1").fetchone()  # type: ignore[return-value]
    finally:
        con.close()


@pytest.fixture
def baseline(seeded_db: Path, tmp_path: Path) -> list[tuple]:
    p = tmp_path / "baseline.csv"
    p.write_text(BASELINE)
    assert load(source(str(p))).status == "loaded"
    return facts(seeded_db)


def write(tmp_path: Path, text: str | bytes, name: str = "in.csv") -> str:
    p = tmp_path / name
    p.write_bytes(text if isinstance(text, bytes) else text.encode())
    return str(p)


# ------------------------------------------------------------------ formats that must load


def test_decimal_commas_units_and_thousands(seeded_db: Path, tmp_path: Path) -> None:
    text = ('body;year;indicator;value\nACSA;2020;payroll_fund_mkzt;"1 234,5"\n'
            "ACSA;2020;payroll_fund_musd;6,6 mln. USD\nACSA;2020;net_turnover;3,6\n")
    r = load(source(write(tmp_path, text), dataset="payroll"))
    assert (r.status, r.rows_accepted, r.rows_rejected) == ("loaded", 3, 0)
    got = {i: v for _, _, i, v, _ in facts(seeded_db)}
    assert got == {"payroll_fund_mkzt": 1234.5, "payroll_fund_musd": 6.6, "net_turnover": 3.6}


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1251"])
def test_bom_and_cp1251_with_cyrillic_body_names(seeded_db: Path, tmp_path: Path, encoding: str) -> None:
    text = ("body;year;indicator;value\n"
            "Агентство по делам государственной службы;2020;Общая оценка эффективности;88,3\n"
            "Акимат города Нур-Султана;2020;Общая оценка эффективности;67,8\n"
            "Маңғыстау облысының әкімдігі;2020;overall_effectiveness;66,3\n")
    if encoding == "cp1251":  # Kazakh letters do not exist in cp1251: a Russian-only file
        text = "\n".join(text.splitlines()[:3]) + "\n"
    r = load(source(write(tmp_path, text.encode(encoding))))
    assert r.status == "loaded", r.message
    got = {(b, v) for b, _, _, v, _ in facts(seeded_db)}
    assert ("acsa", 88.3) in got and ("astana", 67.8) in got
    if encoding != "cp1251":
        assert ("mangystau", 66.3) in got


def test_xlsx_with_three_title_rows(seeded_db: Path, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Evaluation of the effectiveness of state bodies"])
    ws.append(["Results for 2020"])
    ws.append([])
    ws.append(["body", "year", "indicator", "value"])
    ws.append(["Agency for Civil Service Affairs", 2020, "Goal achievement", 95.5])
    ws.append(["Astana Akimat", 2020, "Goal achievement", "79,6"])
    p = tmp_path / "report.xlsx"
    wb.save(p)
    r = load(source(str(p), fmt="xlsx"))
    assert (r.status, r.rows_accepted) == ("loaded", 2)
    assert {(b, v) for b, _, _, v, _ in facts(seeded_db)} == {("acsa", 95.5), ("astana", 79.6)}


def test_opendata_paged_json_api(seeded_db: Path, http_server: HttpFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    records = [{"body": "acsa", "year": 2020, "indicator": "net_turnover", "value": "3,6"},
               {"body": "astana", "year": 2020, "indicator": "net_turnover", "value": "1,8"},
               {"body": "mangystau", "year": 2020, "indicator": "net_turnover", "value": "4,4"}]
    http_server.add_opendata("/api/v4/payroll/v1", records, api_key="k3y")
    monkeypatch.setenv("TEST_API_KEY", "k3y")
    src = source(http_server.url("/api/v4/payroll/v1"), kind="http", fmt="json", dataset="payroll",
                 http={"paging": "opendata_kz", "page_size": 2, "api_key_env": "TEST_API_KEY", "retries": 0})
    r = load(src)
    assert (r.status, r.rows_accepted) == ("loaded", 3)
    assert "k3y" not in r.source_uri


# ------------------------------------------------------------------ bad rows: quarantined, good rows load


@pytest.mark.parametrize(
    ("rows", "dataset", "row", "column", "reason"),
    [
        ("acsa,2020,overall_effectiveness,104.5", "evaluation_center", 2, "value", "outside the registered range [0, 100]"),
        ("acsa,2020,payroll_fund_musd,-6.6", "payroll", 2, "value", "outside the registered range [0, ]"),
        ("Ministry of Magic,2020,overall_effectiveness,50", "evaluation_center", 2, "body", "unknown body 'Ministry of Magic'"),
        ("acsa,,overall_effectiveness,50", "evaluation_center", 2, "year", "cannot read a year"),
        ("acsa,2020,overall_effectiveness,8x9", "evaluation_center", 2, "value", "8x9"),
        ("acsa,2020,happiness,50", "evaluation_center", 2, "indicator", "unknown indicator 'happiness'"),
    ],
)
def test_bad_row_is_quarantined_with_reason(baseline: list[tuple], seeded_db: Path, tmp_path: Path, rows: str,
                                            dataset: str, row: int, column: str, reason: str) -> None:
    good = {"evaluation_center": "astana,2021,overall_effectiveness,70.0",
            "payroll": "astana,2021,payroll_fund_musd,15.5"}[dataset]
    # 4 good rows keep the rejected share (1 of 5) within the default 20 % threshold
    extra = "\n".join(good.replace("astana", b) for b in ["astana", "mangystau", "justice", "shymkent"])
    p = write(tmp_path, f"body,year,indicator,value\n{rows}\n{extra}\n")
    r = load(source(p, dataset=dataset))
    assert (r.status, r.rows_accepted, r.rows_rejected) == ("loaded", 4, 1)
    assert f"row {row}, column '{column}'" in r.message and "test_source" in r.message and p in r.message
    [(qrow, qcol, qreason, raw)] = quarantine(seeded_db)
    assert (qrow, qcol) == (row, column)
    assert reason in qreason
    assert json.loads(raw)["body"] == rows.split(",")[0]
    assert set(baseline) <= set(facts(seeded_db))  # nothing lost


def test_duplicate_and_conflicting_rows(baseline: list[tuple], seeded_db: Path, tmp_path: Path) -> None:
    text = ("body,year,indicator,value\n"
            "acsa,2021,goal_achievement,95.5\n"        # row 2
            "acsa,2021,goal_achievement,95.5\n"        # row 3: exact repeat of row 2
            "astana,2021,goal_achievement,79.6\n"      # row 4
            "astana,2021,goal_achievement,80.1\n"      # row 5: conflicts with row 4
            + "".join(f"{b},2021,goal_achievement,70\n" for b in ["justice", "mangystau", "shymkent", "atyrau",
                                                                   "pavlodar", "karaganda"]))
    r = load(source(write(tmp_path, text), max_reject_share=0.5))
    assert (r.status, r.rows_accepted, r.rows_rejected) == ("loaded", 7, 3)
    q = {row: reason for row, _, reason, _ in quarantine(seeded_db)}
    assert "duplicate of row 2" in q[3]
    assert "conflicting values for astana/2021/goal_achievement" in q[4] and "row 5 = 80.1" in q[4]
    assert "conflicting" in q[5]
    assert ("acsa", 2021, "goal_achievement", 95.5) in {f[:4] for f in facts(seeded_db)}
    assert not [f for f in facts(seeded_db) if f[0] == "astana" and f[1] == 2021]


def test_too_many_rejects_fails_and_changes_nothing(baseline: list[tuple], seeded_db: Path, tmp_path: Path) -> None:
    text = "body,year,indicator,value\nacsa,2020,overall_effectiveness,104.5\nastana,2020,overall_effectiveness,60\n"
    with pytest.raises(LoadFailed) as exc:
        load(source(write(tmp_path, text)))
    assert "1 of 2 values rejected" in str(exc.value) and "row 2, column 'value'" in str(exc.value)
    assert facts(seeded_db) == baseline  # astana 2020 still 67.8, not 60
    status, accepted, rejected, _ = last_load(seeded_db)
    assert (status, accepted, rejected) == ("failed", 1, 1)
    assert len(quarantine(seeded_db)) == 1  # the reason is kept for the operator


# ------------------------------------------------------------------ whole-source failures


def _refused_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.mark.parametrize(
    ("setup", "fragment"),
    [
        (lambda h: h.add_status("/x.csv", 404), "not found"),
        (lambda h: h.add_status("/x.csv", 500), "500"),
        (lambda h: h.add_sleep("/x.csv", 3.0), "timed out"),
        (lambda h: h.add_html("/x.csv"), "HTML"),
        (lambda h: h.add_truncated("/x.csv", BASELINE.encode()[:40], announced=400), "truncated"),
        (lambda h: h.add_static("/x.csv", b""), "empty"),
        (lambda h: h.add_static("/x.csv", b"body,year,indicator,value\n"), "empty"),
    ],
    ids=["404", "500", "timeout", "html", "truncated", "empty", "header-only"],
)
def test_http_failures_leave_the_warehouse_as_it_was(baseline: list[tuple], seeded_db: Path,
                                                     http_server: HttpFixture, setup: Any, fragment: str) -> None:
    setup(http_server)
    with pytest.raises(LoadFailed) as exc:
        load(source(http_server.url("/x.csv"), kind="http"))
    msg = str(exc.value)
    assert "test_source" in msg and "/x.csv" in msg
    assert fragment.lower() in msg.lower()
    assert facts(seeded_db) == baseline
    assert last_load(seeded_db)[0] == "failed"


def test_connection_refused(baseline: list[tuple], seeded_db: Path) -> None:
    with pytest.raises(LoadFailed) as exc:
        load(source(f"http://127.0.0.1:{_refused_port()}/x.csv", kind="http"))
    assert "test_source" in str(exc.value)
    assert facts(seeded_db) == baseline


def test_json_api_error_page(baseline: list[tuple], seeded_db: Path, http_server: HttpFixture,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    records = [{"body": "acsa", "year": 2020, "indicator": "net_turnover", "value": 3.6}] * 3
    http_server.add_opendata("/api/v4/p/v1", records, api_key="k", error_at=2)
    monkeypatch.setenv("TEST_API_KEY", "k")
    src = source(http_server.url("/api/v4/p/v1"), kind="http", fmt="json", dataset="payroll",
                 http={"paging": "opendata_kz", "page_size": 2, "api_key_env": "TEST_API_KEY", "retries": 0})
    with pytest.raises(LoadFailed) as exc:
        load(src)
    assert "index temporarily unavailable" in str(exc.value)
    assert facts(seeded_db) == baseline


def test_missing_file(baseline: list[tuple], seeded_db: Path, tmp_path: Path) -> None:
    with pytest.raises(LoadFailed) as exc:
        load(source(str(tmp_path / "nope.csv")))
    assert "nope.csv" in str(exc.value)
    assert facts(seeded_db) == baseline


def test_crash_mid_load_rolls_back(baseline: list[tuple], seeded_db: Path, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Fault injection: the fact insert dies after the old rows were deleted in the same transaction."""
    import pilotwatch.ingest as ingest

    real = ingest.write_facts  # facts are written through pilotwatch.revisions

    def dying(con: duckdb.DuckDBPyConnection, *a: Any, **k: Any) -> Any:
        real(con, *a, **k)
        raise RuntimeError("simulated crash after deleting and inserting facts")

    monkeypatch.setattr(ingest, "write_facts", dying)
    p = write(tmp_path, "body,year,indicator,value\nacsa,2020,overall_effectiveness,11\n")
    with pytest.raises(RuntimeError, match="simulated crash"):
        load(source(p))
    assert facts(seeded_db) == baseline


def test_a_second_source_disagreeing_is_reported(baseline: list[tuple], seeded_db: Path, tmp_path: Path) -> None:
    """Two sources give one body-year-indicator different values: the later wins, and says so."""
    p = write(tmp_path, "body,year,indicator,value\nacsa,2020,overall_effectiveness,88.0\n")
    r = load(source(p, id="another_source"))
    assert r.status == "loaded"
    assert "differ from another source's" in r.message
    assert "acsa 2020 overall_effectiveness: 88.3 (test_source) -> 88" in r.message

"""The out-of-core path on small sizes: tiny validation chunks and a tight memory limit give the same
result; Parquet and HTTP sources load like a local CSV; the quarantine listing is capped."""

from __future__ import annotations

from pathlib import Path

import http_fixture
import polars as pl
import pytest
from http_fixture import HttpFixture
from payroll_records_fixtures import HAND_ROWS, HEADER, query, records_env, write_csv  # noqa: F401
from test_payroll_records_hand import EXPECTED

import pilotwatch.payroll.load as pr
from pilotwatch.payroll import ingest_records

http_server = http_fixture.http_server

FIGURES = ("SELECT body_code, year, indicator, value FROM core.indicator_facts WHERE basis = 'derived' "
           "ORDER BY ALL")
BAD = [f"B{i},astana,chief_specialist,8,2019-01,-{i},0,0,KZT,2010-01-01,,active,true,x" for i in range(1, 6)]


def _figures_with_defaults(tmp_path: Path, records_env: Path) -> list[tuple]:  # noqa: F811
    ingest_records(str(write_csv(tmp_path / "hand.csv", HAND_ROWS)))
    return query(records_env, FIGURES)


def test_tiny_chunks_and_little_memory_change_nothing(records_env: Path, tmp_path: Path,  # noqa: F811
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    chunks: list[int] = []
    real = pr.PayrollRecords.validate

    def counting(frame: pl.DataFrame, *a: object, **k: object) -> pl.DataFrame:
        chunks.append(frame.height)
        return real(frame, *a, **k)

    monkeypatch.setattr(pr, "CHUNK_ROWS", 3)
    monkeypatch.setattr(pr.PayrollRecords, "validate", counting)
    monkeypatch.setenv("PILOTWATCH_DUCKDB_MEMORY", "64MB")
    r = ingest_records(str(write_csv(tmp_path / "hand.csv", HAND_ROWS + BAD)), max_reject_share=0.5)
    assert (r.status, r.rows_accepted, r.rows_rejected) == ("loaded", 16, 5)
    # only the 5 rows with a negative salary may break a rule: pandera reads them, in chunks of 3
    assert chunks == [3, 2]
    got = {(b, i): v for b, y, i, v in query(records_env, FIGURES) if b in ("astana", "justice")}
    assert got == EXPECTED  # the hand computation, to the last bit


def test_memory_limit_is_restored(records_env: Path, tmp_path: Path) -> None:  # noqa: F811
    import warehouse

    with warehouse.writer("test") as con:
        before = con.execute("SELECT current_setting('memory_limit')").fetchall()
        pr.load_records(con, str(write_csv(tmp_path / "hand.csv", HAND_ROWS)))
        assert con.execute("SELECT current_setting('memory_limit')").fetchall() == before


def test_parquet_gives_the_same_figures(records_env: Path, tmp_path: Path) -> None:  # noqa: F811
    csv_path = write_csv(tmp_path / "hand.csv", HAND_ROWS)
    typed = pl.read_csv(csv_path, try_parse_dates=True).with_columns(pl.col("month").cast(pl.String))
    typed.write_parquet(tmp_path / "hand.parquet")
    r = ingest_records(str(tmp_path / "hand.parquet"))
    assert (r.status, r.rows_accepted) == ("loaded", 16), r.message
    parquet = query(records_env, FIGURES)
    rows = query(records_env, "SELECT min(row_number), max(row_number) FROM core.payroll_records")
    assert rows == [(1, 16)]  # the record's position in the Parquet file
    assert parquet == _figures_with_defaults(tmp_path, records_env)  # and a CSV reload agrees


def test_parquet_with_text_columns_is_parsed_and_checked(records_env: Path, tmp_path: Path) -> None:  # noqa: F811
    text = pl.read_csv(write_csv(tmp_path / "hand.csv", HAND_ROWS + ["X1,astana,specialist,2,2019-01,lots,0,0,KZT,"
                                                                     "2010-01-01,,active,true,x"]),
                       infer_schema=False)
    text.write_parquet(tmp_path / "text.parquet")
    r = ingest_records(str(tmp_path / "text.parquet"))
    assert (r.status, r.rows_accepted, r.rows_rejected) == ("loaded", 16, 1)
    assert query(records_env, "SELECT row_number, column_name, reason FROM mart.quarantine") == \
        [(17, "base_salary", "base_salary 'lots' is not a number")]


def test_http_source_streams_and_is_not_fetched_twice(records_env: Path, tmp_path: Path,  # noqa: F811
                                                      http_server: HttpFixture) -> None:
    body = (HEADER + "\n" + "\n".join(HAND_ROWS) + "\n").encode()
    http_server.add_static("/records.csv", body, etag='"v1"')
    url = http_server.url("/records.csv")
    r = ingest_records(url)
    assert (r.status, r.rows_accepted, r.source_uri) == ("loaded", 16, url)
    again = ingest_records(url)
    assert again.status == "unchanged"
    assert query(records_env, "SELECT source_uri, etag FROM meta.source_state WHERE source_uri = ?", [url]) == \
        [(url, '"v1"')]


def test_http_error_is_a_failed_load(records_env: Path, http_server: HttpFixture) -> None:  # noqa: F811
    r = ingest_records(http_server.url("/missing.csv"))
    assert r.status == "failed" and "not found (HTTP 404)" in r.message
    assert query(records_env, "SELECT status FROM mart.loads WHERE dataset = 'payroll_records'") == [("failed",)]


def test_quarantine_listing_is_capped(records_env: Path, tmp_path: Path,  # noqa: F811
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pr, "QUARANTINE_LIMIT", 2)
    r = ingest_records(str(write_csv(tmp_path / "bad.csv", HAND_ROWS + BAD)), max_reject_share=0.5)
    rows = query(records_env, "SELECT row_number, reason FROM mart.quarantine WHERE load_id = ? ORDER BY row_number "
                              "NULLS LAST", [r.load_id])
    assert [n for n, _ in rows] == [18, 19, None]
    assert rows[-1][1].startswith("3 more rejected records not listed (QUARANTINE_LIMIT 2); rejected records by "
                                  "column: base_salary: 5")
    assert r.rows_rejected == 5

"""Warehouse checks (great-expectations on frames read from DuckDB) and their Data Docs."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest

import warehouse
from pilotwatch import checks


def _copy(bundled: Path, tmp_path: Path) -> Path:
    db = tmp_path / "wh.duckdb"
    shutil.copyfile(bundled, db)
    return db


def _run(db: Path, tmp_path: Path) -> checks.Outcome:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return checks.run_checkpoint(con, docs_dir=tmp_path / "docs")
    finally:
        con.close()


def test_bundled_warehouse_passes_and_docs_build(bundled_warehouse: Path, tmp_path: Path) -> None:
    outcome = _run(_copy(bundled_warehouse, tmp_path), tmp_path)
    assert outcome.ok, outcome.text()
    assert outcome.checked >= 12
    index = tmp_path / "docs" / "index.html"
    assert index.is_file() and outcome.docs_index == index
    html = index.read_text(encoding="utf-8")
    assert "warehouse.mart_indicator_values" in html
    summary = (tmp_path / "docs" / "checks.html").read_text(encoding="utf-8")
    assert summary.count("<tr class=") == outcome.checked
    assert "<script" not in summary and "https://" not in summary  # readable offline
    # The newest thesis year is 2020: reported as a warning, never a failure.
    assert any("newest_year" in str(w) for w in outcome.warnings)


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        # a fact for a body the registry does not know (it would silently vanish from the mart view)
        ("insert into core.indicator_facts values ('atlantis', 2019, 'goal_achievement', 50, '%', 'published', "
         "'evaluation_center', 1)", "expect_column_values_to_be_in_set(body_code)"),
        # a duplicate key in an analyst view (a join that fans out)
        ("create or replace view mart.bodies as select body_code, name_en as body_name, name_ru, name_kk, kind, "
         "level, peer_group, pilot, pilot_start_year from core.bodies union all "
         "select body_code, name_en, name_ru, name_kk, kind, level, peer_group, pilot, pilot_start_year "
         "from core.bodies where body_code = 'acsa'", "expect_column_values_to_be_unique(body_code)"),
        # an out-of-range value: an observation from the future
        ("update core.indicator_facts set year = 2099 where body_code = 'acsa' and year = 2020",
         "expect_column_values_to_be_between(year)"),
        # a derived value out of its range (the analysis wrote a negative cost-effectiveness ratio)
        ("update core.analysis_cer set cer = -0.1 where body_code = 'acsa' and year = 2019",
         "expect_column_values_to_be_between(cer)"),
        # a body-year with an indicator missing
        ("delete from core.indicator_facts where body_code = 'astana' and year = 2019 and indicator = 'net_turnover'",
         "expect_column_values_to_be_null(missing)"),
        # nothing loaded for two years
        ("update meta.loads set finished_at = finished_at - interval 800 days",
         "expect_column_min_to_be_between(last_checked)"),
    ],
)
def test_a_broken_warehouse_fails_the_checkpoint(bundled_warehouse: Path, tmp_path: Path, sql: str,
                                                 expected: str) -> None:
    db = _copy(bundled_warehouse, tmp_path)
    con = duckdb.connect(str(db))
    con.execute(sql)
    con.close()
    outcome = _run(db, tmp_path)
    assert not outcome.ok
    assert expected in [f.expectation for f in outcome.critical], outcome.text()
    assert '<tr class="failed">' in (tmp_path / "docs" / "checks.html").read_text(encoding="utf-8")
    if "missing" in expected:
        assert "astana 2019 net_turnover" in outcome.text()


def test_refresh_that_fails_a_check_publishes_nothing(seeded_db: Path, tmp_path: Path, prefect_server: None) -> None:
    """pandera accepts this source (every row is valid); only the warehouse can see a body-year is incomplete."""
    from flows.refresh import annual_refresh

    (tmp_path / "ec.csv").write_text("body,year,indicator,value\nacsa,2021,overall_effectiveness,88.0\n")
    (tmp_path / "cat.yaml").write_text(
        "version: 1\nsources:\n- {id: partial, dataset: evaluation_center, years: [2021], kind: file, path: ec.csv,"
        " format: csv, layout: long, columns: {body: body, year: year, indicator: indicator, value: value},"
        " units: {assume_declared: true}}\n")
    before = hashlib.sha256(seeded_db.read_bytes()).hexdigest()
    with pytest.raises(checks.WarehouseChecksFailed) as exc:
        annual_refresh(catalogue=str(tmp_path / "cat.yaml"), analysis=False)
    message = str(exc.value)
    assert "NOT published" in message
    assert "acsa 2021 goal_achievement" in message
    assert "Data Docs:" in message
    assert hashlib.sha256(seeded_db.read_bytes()).hexdigest() == before
    con = warehouse.connect(read_only=True)
    try:
        assert warehouse.one(con, "select count(*) from core.indicator_facts")[0] == 0
    finally:
        con.close()
    assert (seeded_db.parent / "data_docs" / "index.html").is_file()


def test_a_missing_relation_fails_unless_optional(bundled_warehouse: Path, tmp_path: Path) -> None:
    db = _copy(bundled_warehouse, tmp_path)
    _sql = "drop view mart.targets; drop view mart.grades"
    con = duckdb.connect(str(db))
    con.execute(_sql)
    con.close()
    outcome = _run(db, tmp_path)
    assert [str(f) for f in outcome.critical] == [
        "mart.targets: unique(body_code, year, indicator) — the relation is not in the warehouse"]
    assert any("mart.grades" in s for s in outcome.skipped)  # optional: the analysis may not be installed


def test_spec_rejects_unknown_keys(tmp_path: Path) -> None:
    p = tmp_path / "x.yaml"
    p.write_text("version: 1\nchecks:\n- {table: mart.bodies, expect: unique, colums: [body_code]}\n")
    with pytest.raises(ValueError, match="colums"):
        checks.load_spec(p)


def test_docs_command_says_where(bundled_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    from pilotwatch.cli import main

    db = _copy(bundled_warehouse, tmp_path)
    monkeypatch.setenv("PILOTWATCH_DB", str(db))
    monkeypatch.setenv("PILOTWATCH_DOCS_DIR", str(tmp_path / "dd"))
    assert main(["docs"]) == 0
    out = capsys.readouterr().out
    assert str(tmp_path / "dd" / "index.html") in out
    assert (tmp_path / "dd" / "index.html").is_file()

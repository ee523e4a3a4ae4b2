"""Warehouse checks: the DuckDB gate, great-expectations (on frames read from DuckDB) and its Data Docs,
and that both give the same verdict on every check."""

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
    """great-expectations' checkpoint and Data Docs (``pilotwatch docs``)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return checks.run_checkpoint(con, docs_dir=tmp_path / "docs")
    finally:
        con.close()


def _gate(db: Path, spec: Path = checks.SPEC) -> checks.Outcome:
    """The refresh's publication gate: the same checks as DuckDB queries."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return checks.evaluate(con, spec)
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
        # nothing loaded for two years
        ("update meta.loads set finished_at = finished_at - interval 800 days",
         "expect_column_min_to_be_between(last_checked)"),
    ],
)
def test_a_broken_warehouse_fails_the_gate(bundled_warehouse: Path, tmp_path: Path, sql: str, expected: str) -> None:
    db = _copy(bundled_warehouse, tmp_path)
    con = duckdb.connect(str(db))
    con.execute(sql)
    con.close()
    outcome = _gate(db)
    assert not outcome.ok
    assert expected in [f.expectation for f in outcome.critical], outcome.text()


def test_an_incomplete_body_year_is_a_warning_that_names_it(bundled_warehouse: Path, tmp_path: Path) -> None:
    """Completeness warns (partial years publish, see the spec), naming the missing body-year-indicator."""
    db = _copy(bundled_warehouse, tmp_path)
    con = duckdb.connect(str(db))
    con.execute("delete from core.indicator_facts where body_code = 'astana' and year = 2019 and indicator = 'net_turnover'")
    con.close()
    outcome = _gate(db)
    assert outcome.ok
    assert "expect_column_values_to_be_null(missing)" in [f.expectation for f in outcome.warnings], outcome.text()
    assert "astana 2019 net_turnover" in outcome.text()


def test_refresh_that_fails_a_check_publishes_nothing(seeded_db: Path, tmp_path: Path, prefect_server: None,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """pandera accepts this source (every row is valid); only the warehouse can see a body-year is incomplete.

    Completeness is a warning in the shipped spec (partial years publish); a deployment that makes it
    critical, as here, gets a refresh that refuses to publish."""
    from flows.refresh import annual_refresh

    strict = tmp_path / "strict.yaml"
    strict.write_text(checks.SPEC.read_text(encoding="utf-8").replace(
        "{sql: check_completeness, expect: all_null, column: missing, severity: warning}",
        "{sql: check_completeness, expect: all_null, column: missing}"), encoding="utf-8")
    assert checks.load_spec(strict) != checks.load_spec()
    monkeypatch.setattr(checks, "SPEC", strict)

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
    outcome = _gate(db)
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


#: Every kind of expectation, on relations of the bundled warehouse (the shipped spec has no not_null).
EVERY_KIND = """
version: 1
checks:
  - {table: core.indicator_facts, expect: in_registry, column: body_code, registry: core.bodies.body_code}
  - {table: mart.bodies, expect: unique, columns: [body_code]}
  - {table: mart.cer, expect: unique, columns: [config, body_code, year, mode]}
  - {table: mart.cer, expect: not_null, column: body_name}
  - {table: mart.verdicts, expect: in_set, column: verdict, values: [H0, H1]}
  - {table: core.indicator_facts, expect: between, column: year, min: 1991, max_years_from_now: 0}
  - {table: mart.cer, expect: between, column: cer, min: 0}
  - {sql: check_completeness, expect: all_null, column: missing}
  - {sql: check_last_loads, expect: fresh, column: last_checked, max_age_days: 400}
  - {sql: check_last_loads, expect: between, column: newest_year, min_years_from_now: -2, severity: warning}
"""
#: One planted violation per kind above (each statement breaks exactly one of them).
PLANTED = [
    "insert into core.indicator_facts values ('atlantis', 2019, 'goal_achievement', 50, '%', 'published', "
    "'evaluation_center', 1)",
    "create or replace view mart.bodies as select body_code, name_en as body_name, name_ru, name_kk, kind, level, "
    "peer_group, pilot, pilot_start_year from core.bodies union all select body_code, name_en, name_ru, name_kk, "
    "kind, level, peer_group, pilot, pilot_start_year from core.bodies where body_code = 'acsa'",
    "insert into core.analysis_cer select * from core.analysis_cer where body_code = 'acsa' and year = 2019 "
    "and mode = 'pilot'",
    # a CER row for a body the registry does not know: mart.cer's left join leaves body_name null
    "insert into core.analysis_cer select * replace ('ghost' as body_code) from core.analysis_cer "
    "where body_code = 'acsa' and year = 2019 and mode = 'pilot'",
    "update core.analysis_verdicts set verdict = 'H2' where body_code = 'acsa'",
    "update core.indicator_facts set year = 2099 where body_code = 'acsa' and year = 2020",
    "update core.analysis_cer set cer = -0.1 where body_code = 'mangystau' and year = 2019",
    "delete from core.indicator_facts where body_code = 'astana' and year = 2019 and indicator = 'net_turnover'",
    "update meta.loads set finished_at = finished_at - interval 800 days",
]


def _verdicts(outcome: checks.Outcome) -> list[tuple[str, str, str, bool]]:
    return sorted((f.relation, f.expectation, f.severity, ok) for f, ok in outcome.results)


def test_the_duckdb_gate_agrees_with_great_expectations(bundled_warehouse: Path, tmp_path: Path) -> None:
    """Both engines on the same warehouses, clean and with a violation of every kind: the same verdicts."""
    spec = tmp_path / "every_kind.yaml"
    spec.write_text(EVERY_KIND)
    clean = _copy(bundled_warehouse, tmp_path)
    broken = tmp_path / "broken.duckdb"
    shutil.copyfile(clean, broken)
    con = duckdb.connect(str(broken))
    for statement in PLANTED:
        con.execute(statement)
    con.close()
    kinds = {c.expect for c in checks.load_spec(spec).checks}
    assert kinds == {"unique", "not_null", "all_null", "in_registry", "in_set", "between", "fresh"}
    for db, name in ((clean, "clean"), (broken, "broken")):
        con = duckdb.connect(str(db), read_only=True)
        try:
            gx = checks.run_checkpoint(con, docs_dir=tmp_path / f"docs-{name}", spec_path=spec)
        finally:
            con.close()
        gate = _gate(db, spec)
        assert _verdicts(gate) == _verdicts(gx), (gate.text(), gx.text())
        assert gate.checked == gx.checked == len(checks.load_spec(spec).checks)
        if name == "clean":
            assert gate.ok and [f.expectation for f in gate.failures] == ["expect_column_values_to_be_between(newest_year)"]
        else:  # every critical check of the spec failed, in both engines (one planted violation each)
            assert len(gate.critical) == len(PLANTED) == sum(f.severity == "critical" for f, _ in gate.results)
            assert "astana 2019 net_turnover" in gate.text() and "atlantis" in gate.text() and "H2" in gate.text()


def test_the_gate_does_not_import_great_expectations() -> None:
    """The refresh's critical path: importing the flow and evaluating the gate pull in no great-expectations."""
    import subprocess
    import sys

    code = ("import sys, duckdb, flows.refresh; from pilotwatch import checks; "
            "checks.evaluate(duckdb.connect()); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('great_expectations', 'scipy', 'altair')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2]).stdout
    assert out.strip() == "[]"


def test_a_passing_refresh_gate_does_not_import_great_expectations(bundled_warehouse: Path, tmp_path: Path) -> None:
    """What the annual refresh calls (``pilotwatch.refresh.run_checks``) decides with DuckDB alone when the
    checks pass: great-expectations (seconds of imports, ~150 MB) is for Data Docs and failed gates only."""
    import subprocess
    import sys

    db = _copy(bundled_warehouse, tmp_path)
    code = ("import sys, duckdb; from pilotwatch.refresh import run_checks; "
            "o = run_checks(duckdb.connect(sys.argv[1])); "
            "print(o.ok, sorted(m for m in sys.modules if m.split('.')[0] in ('great_expectations', 'scipy', 'altair')))")
    out = subprocess.run([sys.executable, "-c", code, str(db)], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2]).stdout
    assert out.strip() == "True []"

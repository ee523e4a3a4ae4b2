"""pilotwatch status and pilotwatch dictionary on real warehouses."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pilotwatch.cli import main


@pytest.fixture
def wh(bundled_copy: Path) -> Path:
    return bundled_copy


def _sql(db: Path, *statements: str) -> None:
    con = duckdb.connect(str(db))
    try:
        for s in statements:
            con.execute(s)
    finally:
        con.close()


def _open_alert_count(db: Path) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("select count(*) from core.alert_state where firing and last_alert_id is not null").fetchone()[0]
    finally:
        con.close()


def test_status_on_a_fresh_refresh_names_the_alerts_it_raised(wh: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The bundled refresh raises alerts (stale datasets for 2021+, Astana's falls); status must not hide them."""
    n_open = _open_alert_count(wh)
    assert n_open > 0, "the bundled refresh raises alerts"
    assert main(["status"]) == 1
    out = capsys.readouterr().out
    assert "Last loads per dataset and year" in out
    assert "evaluation_center           2020  loaded" in out
    assert "Quarantine: 0 row(s)" in out
    assert "Last analysis run" in out and "default  ok" in out
    assert f"{n_open} open alert(s)" in out
    assert "open stale_data alert(s)" in out
    assert "Nothing needs attention." not in out


def test_status_says_nothing_needs_attention_once_alerts_clear(wh: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _sql(wh, "update core.alert_state set firing = false")
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "no open alerts" in out
    assert "Nothing needs attention." in out


def test_status_counts_an_alert_open_until_its_condition_clears(wh: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _sql(wh, "update core.alert_state set firing = (rule = 'indicator_turned_negative')")
    assert main(["status"]) == 1
    out = capsys.readouterr().out
    assert "open indicator_turned_negative alert(s)" in out
    assert "stale_data" not in out.split("Needs attention:")[1]


def test_status_flags_what_needs_attention(wh: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _sql(wh,
         "update meta.loads set finished_at = finished_at - interval 500 days where dataset = 'payroll'",
         "insert into meta.loads (load_id, dataset, source_id, source_kind, source_uri, years, started_at, finished_at,"
         " status, message) values (999, 'evaluation_center', 'ec_2021', 'http', 'https://example.org/x', '2021',"
         " now()::timestamp, now()::timestamp, 'failed', 'HTTP 503')",
         "insert into core.quarantine values (999, 'evaluation_center', 'ec_2021', 'https://example.org/x', 3, 'value',"
         " 'value 140 is above the maximum', null, now()::timestamp)")
    assert main(["status"]) == 1
    out = capsys.readouterr().out
    assert "last load of evaluation_center 2021 failed" in out
    assert "payroll is stale" in out
    assert "Quarantine: 1 row(s)" in out


def test_status_without_analysis_or_monitoring(wh: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _sql(wh, "drop view mart.analysis_runs", "drop view if exists mart.alert_deliveries")
    main(["status"])
    out = capsys.readouterr().out
    assert "no analysis yet" in out
    assert "monitoring not set up" in out


def test_dictionary_lists_views_columns_and_comments(wh: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["dictionary", "indicator_values", "--format", "md"])
    out = capsys.readouterr().out
    assert "## mart.indicator_values" in out
    assert "| `body_code` |" in out


def test_dictionary_fails_on_an_undocumented_column(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "d.duckdb"
    _sql(db, "create schema mart", "create view mart.v as select 1 as documented, 2 as forgotten",
         "comment on view mart.v is 'A test view.'", "comment on column mart.v.documented is 'Has a meaning (unit).'")
    monkeypatch.setenv("PILOTWATCH_DB", str(db))
    assert main(["dictionary"]) == 1
    captured = capsys.readouterr()
    assert "Has a meaning (unit)." in captured.out
    assert "mart.v.forgotten" in captured.err
    assert main(["dictionary", "nope"]) == 2


def _checks_limit(spec_text: str, tmp_path: Path) -> float:
    """The freshness limit as the warehouse checks themselves read it (their pydantic spec)."""
    from pilotwatch import checks

    path = tmp_path / "warehouse.yaml"
    path.write_text(spec_text, encoding="utf-8")
    return next(float(c.max_age_days) for c in checks.load_spec(path).checks if c.expect == "fresh")


def test_status_reads_the_checks_freshness_limit_without_a_second_copy(tmp_path: Path) -> None:
    """status reads ``max_age_days`` without a YAML parser; the number must be the checks' own, in every form."""
    from pilotwatch import DATA_DIR
    from pilotwatch.commands.status import _fresh_days_yaml, fresh_days

    bundled = (DATA_DIR / "expectations" / "warehouse.yaml").read_text(encoding="utf-8")
    assert fresh_days() == fresh_days(bundled) == _checks_limit(bundled, tmp_path)
    line = next(x for x in bundled.splitlines() if "expect: fresh" in x)
    edited = bundled.replace(line, line.replace(f"max_age_days: {fresh_days(bundled):g}", "max_age_days: 123"))
    assert edited != bundled and fresh_days(edited) == _checks_limit(edited, tmp_path) == 123
    # forms the one-line reader does not take are parsed: the same number, only slower
    indent = line[: len(line) - len(line.lstrip())]
    block = bundled.replace(line, f"{indent}- sql: check_last_loads\n{indent}  expect: fresh\n"
                                  f"{indent}  column: last_checked\n{indent}  max_age_days: 77  # block form")
    quoted = bundled.replace(line, line.replace("expect: fresh", 'expect: "fresh"').replace(
        f"max_age_days: {fresh_days(bundled):g}", "max_age_days: 55"))
    for text, days in ((block, 77), (quoted, 55)):
        assert fresh_days(text) == _fresh_days_yaml(text) == _checks_limit(text, tmp_path) == days


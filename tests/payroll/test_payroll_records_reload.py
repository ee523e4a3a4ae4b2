"""Loading payroll records again: unchanged files are recognised, forced and corrected reloads replace
whole body-years (never duplicate them), and other body-years stay as they were."""

from __future__ import annotations

from pathlib import Path

from payroll_records_fixtures import HAND_ROWS, query, records_env, write_csv  # noqa: F401

from pilotwatch.payroll import ingest_records

SNAPSHOT = ("SELECT (SELECT count(*) FROM core.payroll_records), (SELECT count(*) FROM core.payroll_employees), "
            "(SELECT list(body_code || year || indicator || value ORDER BY body_code, year, indicator) "
            " FROM core.indicator_facts), (SELECT count(*) FROM core.payroll_aggregates)")


def test_same_file_again_is_unchanged(records_env: Path, tmp_path: Path) -> None:  # noqa: F811
    path = str(write_csv(tmp_path / "hand.csv", HAND_ROWS))
    assert ingest_records(path).status == "loaded"
    before = query(records_env, SNAPSHOT)
    r = ingest_records(path)
    assert (r.status, r.message) == ("unchanged", "source unchanged since the last load")
    assert query(records_env, SNAPSHOT) == before


def test_forced_reload_is_idempotent(records_env: Path, tmp_path: Path) -> None:  # noqa: F811
    path = str(write_csv(tmp_path / "hand.csv", HAND_ROWS))
    first = ingest_records(path)
    before = query(records_env, SNAPSHOT)
    again = ingest_records(path, force=True)
    assert (again.status, again.rows_accepted, again.body_years) == ("loaded", 16, 2)
    assert query(records_env, SNAPSHOT) == before
    # the records and derived facts now come from the second load, the employees kept their keys
    assert query(records_env, "SELECT DISTINCT load_id FROM core.payroll_records") == [(again.load_id,)]
    assert query(records_env, "SELECT DISTINCT first_load_id FROM core.payroll_employees") == [(first.load_id,)]


def test_a_corrected_file_replaces_its_body_years_only(records_env: Path, tmp_path: Path) -> None:  # noqa: F811
    ingest_records(str(write_csv(tmp_path / "hand.csv", HAND_ROWS)))
    justice_before = query(records_env, "SELECT * FROM core.payroll_records WHERE body_code = 'justice' ORDER BY ALL")
    # astana corrected: E4 (the USD employee) was never in the body; E1's March bonus was 60,000, not 90,000
    astana = [r.replace(",90000,", ",60000,") for r in HAND_ROWS if r.split(",")[1] == "astana" and not r.startswith("E4")]
    r = ingest_records(str(write_csv(tmp_path / "astana_fix.csv", astana)))
    assert (r.status, r.body_years) == ("loaded", 1)
    assert query(records_env, "SELECT count(*), sum(bonus) FROM core.payroll_records WHERE body_code = 'astana'") == \
        [(7, 180_000)]
    assert query(records_env, "SELECT * FROM core.payroll_records WHERE body_code = 'justice' ORDER BY ALL") == justice_before
    # astana 2019 without E4: pay 1,020,000 - 30,000 + 500,000.50 + 1,320,000 = 2,810,000.50 KZT; headcount 2+2+2
    assert query(records_env, "SELECT pay_tiyn, headcount_month_sum, average_headcount FROM core.payroll_aggregates "
                              "WHERE body_code = 'astana'") == [(281_000_050, 6, 2.0)]
    # derived facts are replaced for the whole year (both bodies, peer groups), none duplicated
    assert query(records_env, "SELECT count(*), count(DISTINCT (body_code, indicator)) FROM core.indicator_facts "
                              "WHERE basis = 'derived'") == [(25, 25)]


def test_year_filter_loads_one_year(records_env: Path, tmp_path: Path) -> None:  # noqa: F811
    rows = HAND_ROWS + [r.replace("2019-0", "2018-0").replace(",true,", ",true,") for r in HAND_ROWS[:3]]
    r = ingest_records(str(write_csv(tmp_path / "two_years.csv", rows)), year=2018)
    assert (r.status, r.rows_accepted, r.rows_skipped, r.years) == ("loaded", 3, 16, [2018])
    assert query(records_env, "SELECT DISTINCT year FROM core.payroll_records") == [(2018,)]


def test_the_same_bytes_under_another_name_are_unchanged(records_env: Path, tmp_path: Path) -> None:  # noqa: F811
    first = write_csv(tmp_path / "hand.csv", HAND_ROWS)
    assert ingest_records(str(first)).status == "loaded"
    copy = tmp_path / "copy_of_hand.csv"
    copy.write_bytes(first.read_bytes())
    r = ingest_records(str(copy))  # read and hashed at once (a new path), then recognised by its sha256
    assert (r.status, r.message) == ("unchanged", "source unchanged since the last load")
    assert query(records_env, "SELECT count(*) FROM core.payroll_records") == [(16,)]


def test_a_missing_file_is_a_failed_load(records_env: Path, tmp_path: Path) -> None:  # noqa: F811
    r = ingest_records(str(tmp_path / "nowhere.csv"))
    assert r.status == "failed" and "file not found" in r.message
    assert query(records_env, "SELECT status, dataset FROM mart.loads") == [("failed", "payroll_records")]

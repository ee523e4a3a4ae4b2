"""Partial years publish; the analysis waits (issue 12): data arrive one dataset at a time, so a year with
only some of its datasets is published as it is, says what it waits for, is left out of the analysis
until complete, and never blocks a refresh of other years."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from warehouse_reads import rows as _rows

from pilotwatch import cli


@pytest.mark.e2e
def test_a_partial_year_is_published_waits_for_its_datasets_and_blocks_no_refresh(
    bundled_warehouse: Path, db_path: Path, tmp_path: Path, prefect_server: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from flows.ingest import ingest
    from flows.refresh import annual_refresh

    shutil.copyfile(bundled_warehouse, db_path)
    results = tmp_path / "results_2021.csv"  # the README's example: the Evaluation Center's 2021 results only
    results.write_text(
        "body,year,indicator,value\n"
        "acsa,2021,overall_effectiveness,91.0\nacsa,2021,goal_achievement,96.0\n"
        "acsa,2021,organizational_development,92.0\nacsa,2021,interaction_with_citizens,85.0\n",
        encoding="utf-8",
    )

    assert ingest("evaluation_center", str(results), year=2021)["status"] == "loaded"

    # published as it is, and the warehouse says what 2021 still waits for
    assert _rows(db_path, "select count(*) from mart.indicator_values where year = 2021") == [(4,)]
    pending = _rows(db_path, "select year, body_code, dataset from mart.pending_inputs order by all")
    assert pending == [(2021, "acsa", "payroll"), (2021, "acsa", "public_services_monitoring")]
    # the analysis leaves the partial body-year out instead of computing on half its inputs
    assert _rows(db_path, "select count(*) from mart.cer where body_code = 'acsa' and year = 2021") == [(0,)]
    assert _rows(db_path, "select count(*) from mart.cer where body_code = 'acsa' and year = 2020") != [(0,)]

    # `pilotwatch status` names the partial year and exits non-zero (something needs attention)
    capsys.readouterr()
    assert cli.main(["status"]) == 1
    out = capsys.readouterr().out
    assert "Partial years" in out and "2021 waits for payroll (acsa)" in out

    # a refresh of the other years is not blocked, and does not undo the 2021 values
    result = annual_refresh(years=[2017, 2018, 2019, 2020])
    assert {r["status"] for r in result["loads"]} <= {"loaded", "unchanged"}
    assert _rows(db_path, "select count(*) from mart.indicator_values where year = 2021") == [(4,)]


@pytest.mark.e2e
def test_a_scheduled_run_for_a_year_without_sources_fails_before_it_starts(
    seeded_db: Path, prefect_server: None
) -> None:
    from flows.scheduled import scheduled_refresh

    before = _rows(seeded_db, "select count(*) from meta.loads")
    with pytest.raises(RuntimeError, match="the catalogue has no source for 2031"):
        scheduled_refresh(year=2031)
    assert _rows(seeded_db, "select count(*) from meta.loads") == before

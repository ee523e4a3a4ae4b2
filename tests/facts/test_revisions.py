"""Corrections patch, revisions are kept (issue 12): a correction changes only the cells it names, a
delivery that drops values says so, every change is in mart.value_history, and a re-read of a delivery
never silently undoes a correction made after it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from warehouse_reads import rows as _rows

import warehouse
from pilotwatch.catalogue import Catalogue, Source
from pilotwatch.ingest import LoadResult, load_source

EC = ("overall_effectiveness", "goal_achievement", "organizational_development", "interaction_with_citizens")
DELIVERY = "body,year,indicator,value\n" + "".join(
    f"acsa,2020,{i},{v}\n" for i, v in zip(EC, (88.3, 95.5, 90.0, 80.0), strict=True)
)


def _source(path: Path, *, sid: str, replace: str) -> Source:
    return Source.model_validate({
        "id": sid, "dataset": "evaluation_center", "years": [2020], "kind": "file", "format": "csv",
        "layout": "long", "path": str(path), "replace": replace, "units": {"assume_declared": True},
        "columns": {"body": "body", "year": "year", "indicator": "indicator", "value": "value"},
    })


def _load(src: Source, force: bool = False) -> LoadResult:
    with warehouse.writer("test") as con:
        return load_source(con, Catalogue(sources=[src], base_dir="/"), src, [2020], force=force)


def _acsa_2020(db: Path) -> dict[str, float]:
    return dict(_rows(db, "select indicator, value from core.indicator_facts where body_code = 'acsa' "
                          "and year = 2020 and dataset = 'evaluation_center'"))


def _file(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_a_correction_changes_only_the_cell_it_names(seeded_db: Path, tmp_path: Path) -> None:
    _load(_source(_file(tmp_path, "d.csv", DELIVERY), sid="delivery", replace="body_years"))
    fix = _file(tmp_path, "fix.csv", "body,year,indicator,value\nacsa,2020,goal_achievement,96.1\n")
    r = _load(_source(fix, sid="correction", replace="cells"))

    assert r.status == "loaded"
    assert _acsa_2020(seeded_db) == {
        "overall_effectiveness": 88.3, "goal_achievement": 96.1,
        "organizational_development": 90.0, "interaction_with_citizens": 80.0,
    }
    assert _rows(seeded_db, "select change, value, previous_value, source_id, previous_source_id, mode "
                            "from mart.value_history where indicator = 'goal_achievement' order by history_id") == [
        ("added", 95.5, None, "delivery", None, "body_years"),
        ("changed", 96.1, 95.5, "correction", "delivery", "cells"),
    ]


def test_a_forced_reread_of_the_delivery_keeps_the_later_correction(seeded_db: Path, tmp_path: Path) -> None:
    delivery = _source(_file(tmp_path, "d.csv", DELIVERY), sid="delivery", replace="body_years")
    _load(delivery)
    _load(_source(_file(tmp_path, "fix.csv", "body,year,indicator,value\nacsa,2020,goal_achievement,96.1\n"),
                  sid="correction", replace="cells"))

    r = _load(delivery, force=True)

    assert _acsa_2020(seeded_db)["goal_achievement"] == 96.1
    assert "corrected value(s) kept" in r.message and "acsa 2020 goal_achievement: kept 96.1" in r.message
    kept = _rows(seeded_db, "select value, previous_value, note from mart.value_history where change = 'kept'")
    assert len(kept) == 1 and kept[0][:2] == (95.5, 96.1) and "outranks" in kept[0][2]


def test_a_revised_delivery_wins_over_an_earlier_correction(seeded_db: Path, tmp_path: Path) -> None:
    path = _file(tmp_path, "d.csv", DELIVERY)
    delivery = _source(path, sid="delivery", replace="body_years")
    _load(delivery)
    _load(_source(_file(tmp_path, "fix.csv", "body,year,indicator,value\nacsa,2020,goal_achievement,96.1\n"),
                  sid="correction", replace="cells"))
    path.write_text(DELIVERY.replace("95.5", "97.0"), encoding="utf-8")  # the agency revised its file

    _load(delivery)

    assert _acsa_2020(seeded_db)["goal_achievement"] == 97.0
    last = _rows(seeded_db, "select change, value, previous_value, source_id from mart.value_history "
                            "order by history_id desc limit 1")
    assert last == [("changed", 97.0, 96.1, "delivery")]


def test_replacing_a_body_year_lists_what_it_removes(seeded_db: Path, tmp_path: Path) -> None:
    _load(_source(_file(tmp_path, "d.csv", DELIVERY), sid="delivery", replace="body_years"))
    one_row = _file(tmp_path, "one.csv", "body,year,indicator,value\nacsa,2020,goal_achievement,96.1\n")

    r = _load(_source(one_row, sid="replacement", replace="body_years"))

    assert _acsa_2020(seeded_db) == {"goal_achievement": 96.1}
    assert "3 value(s) removed" in r.message
    for indicator in ("overall_effectiveness", "organizational_development", "interaction_with_citizens"):
        assert f"acsa 2020 {indicator}" in r.message
    assert _rows(seeded_db, "select count(*) from mart.value_history where change = 'removed'") == [(3,)]


def test_reloading_identical_values_records_no_change(seeded_db: Path, tmp_path: Path) -> None:
    delivery = _source(_file(tmp_path, "d.csv", DELIVERY), sid="delivery", replace="body_years")
    _load(delivery)
    _load(delivery, force=True)
    assert _rows(seeded_db, "select change, count(*) from mart.value_history group by all") == [("added", 4)]


@pytest.mark.e2e
def test_ingest_correction_survives_a_forced_refresh(
    bundled_warehouse: Path, db_path: Path, tmp_path: Path, prefect_server: None
) -> None:
    """The issue's scenario: `pilotwatch ingest` a one-row correction, then `pilotwatch refresh --force`."""
    from flows.ingest import ingest
    from flows.refresh import annual_refresh

    shutil.copyfile(bundled_warehouse, db_path)
    before = _acsa_2020(db_path)
    fix = _file(tmp_path, "fix.csv", f"body,year,indicator,value\nacsa,2020,goal_achievement,"
                                     f"{before['goal_achievement'] + 1:.1f}\n")

    assert ingest("evaluation_center", str(fix), year=2020)["status"] == "loaded"
    after_fix = _acsa_2020(db_path)
    assert after_fix == {**before, "goal_achievement": round(before["goal_achievement"] + 1, 1)}

    annual_refresh(years=[2017, 2018, 2019, 2020], force=True)
    assert _acsa_2020(db_path) == after_fix
    assert _rows(db_path, "select count(*) from mart.value_history where change = 'kept' and body_code = 'acsa'") == [(1,)]

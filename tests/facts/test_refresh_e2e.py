"""End-to-end: the annual refresh on the bundled thesis data, checked against the thesis text."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import thesis_tables
from warehouse_reads import rows as _rows

CONTRACT = ["body_code", "body_name", "year", "factor", "indicator", "value", "unit", "direction", "dataset", "load_id"]


def test_counts_every_published_value_once(bundled_warehouse: Path) -> None:
    # Table 15: 7 indicators x 4 years x 3 columns; Table 18: x 4 columns; the country's average is
    # printed in both tables (identically) and is one value per body-year-indicator: 84 + 112 - 28.
    (n,) = _rows(bundled_warehouse, "select count(*) from mart.indicator_values")[0]
    (distinct,) = _rows(bundled_warehouse,
                        "select count(*) from (select distinct body_code, year, indicator from mart.indicator_values)")[0]
    assert n == distinct == 168


@pytest.mark.skipif(not thesis_tables.available(), reason="thesis text (../shared/seed) not beside this checkout")
def test_every_value_equals_the_thesis(bundled_warehouse: Path) -> None:
    expected = thesis_tables.table(15) | thesis_tables.table(18)
    got = {(b, y, i): v for b, y, i, v in _rows(
        bundled_warehouse, "select body_code, year, indicator, value from mart.indicator_values")}
    assert set(got) == set(expected)
    diffs = {k: (got[k], expected[k]) for k in expected if abs(got[k] - expected[k]) > 1e-9}
    assert diffs == {}


def test_analyst_contract(bundled_warehouse: Path) -> None:
    cols = [r[0] for r in _rows(bundled_warehouse, "describe mart.indicator_values")]
    assert set(CONTRACT) <= set(cols)
    rows = _rows(bundled_warehouse, """
        select distinct indicator, factor, direction from mart.indicator_values order by indicator""")
    assert ("net_turnover", "Human Capital", "lower_is_better") in rows
    assert ("overall_effectiveness", "Leadership", "higher_is_better") in rows
    assert ("payroll_fund_musd", "Resources", "lower_is_better") in rows
    assert {r[0] for r in rows} == {
        "overall_effectiveness", "goal_achievement", "organizational_development", "interaction_with_citizens",
        "public_services_quality", "net_turnover", "payroll_fund_musd"}
    # "Nur-Sultan Akimat" in Table 18 resolves to the stable code astana.
    (n,) = _rows(bundled_warehouse, "select count(*) from mart.indicator_values where body_code = 'astana'")[0]
    assert n == 28
    # provenance: every fact points at a successful load with a sha256
    (orphans,) = _rows(bundled_warehouse, """
        select count(*) from mart.indicator_values v left join meta.loads l using (load_id)
        where l.status is distinct from 'loaded' or l.sha256 is null""")[0]
    assert orphans == 0


def test_all_pilot_bodies_registered(bundled_warehouse: Path) -> None:
    rows = dict(_rows(bundled_warehouse, "select body_code, kind from mart.bodies"))
    for code in ["acsa", "astana", "mangystau", "justice", "almaty_region", "shymkent", "atyrau", "karaganda",
                 "pavlodar"]:
        assert rows[code] == "body"
    for code in ["central_avg", "local_avg", "country_avg"]:
        assert rows[code] == "peer_group"


def test_refresh_again_changes_no_count(bundled_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        prefect_server: None) -> None:
    from flows.refresh import annual_refresh

    db = tmp_path / "pilotwatch.duckdb"
    shutil.copyfile(bundled_warehouse, db)
    monkeypatch.setenv("PILOTWATCH_DB", str(db))
    before = _rows(db, "select body_code, year, indicator, value, load_id from mart.indicator_values order by all")
    result = annual_refresh()
    assert {r["status"] for r in result["loads"]} == {"unchanged"}
    assert _rows(db, "select body_code, year, indicator, value, load_id from mart.indicator_values order by all") == before

    forced = annual_refresh(years=[2019], force=True)
    assert {r["status"] for r in forced["loads"]} == {"loaded"}
    after = _rows(db, "select body_code, year, indicator, value from mart.indicator_values order by all")
    assert after == [r[:4] for r in before]  # replaced, never duplicated
    (n2019,) = _rows(db, f"select count(distinct load_id) from mart.indicator_values where year = 2019 "
                         f"and load_id > {max(r[4] for r in before)}")[0]
    assert n2019 > 0

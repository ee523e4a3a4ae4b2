"""End-to-end: the analysis flow on the bundled warehouse (a real Prefect run), the mart contract,
run records, and the CLI commands that read them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pilotwatch.analysis.reproduce import compare_table19, read_published

WITH_DATA = {"acsa", "astana", "mangystau"}
WITHOUT_DATA = {"justice", "almaty_region", "shymkent", "atyrau", "karaganda", "pavlodar"}
CONTRACT = {
    "mart.cer": {"body_code", "year", "mode", "cost_musd", "effectiveness_pct", "cer", "config"},
    "mart.factor_effects": {"body_code", "factor", "rule", "effect", "inputs", "config"},
    "mart.verdicts": {"body_code", "rule", "hypothesis", "supported", "config"},
    "mart.grades": {"body_code", "year", "grade", "config"},
    "mart.robustness": {"body_code", "holds_under_every_rule", "flipping_rules", "config"},
    "mart.cer_incremental": {"body_code", "year", "incremental_cost_per_point", "config"},
    "mart.cer_sensitivity": {"body_code", "parameter", "value", "year", "pilot_cer_higher", "config"},
}


def _pl(db: Path, query: str) -> pl.DataFrame:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.sql(query).pl()
    finally:
        con.close()


@pytest.fixture
def warehouse_copy(bundled_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "pilotwatch.duckdb"
    shutil.copyfile(bundled_warehouse, db)
    monkeypatch.setenv("PILOTWATCH_DB", str(db))
    monkeypatch.setenv("PILOTWATCH_LOCK_TIMEOUT", "5")
    return db


def test_the_refresh_ran_the_default_analysis(bundled_warehouse: Path) -> None:
    runs = _pl(bundled_warehouse, "select * from mart.analysis_runs")
    assert runs["config"].to_list() == ["default"] and runs["status"].to_list() == ["ok"]
    assert runs["is_latest"].all() and runs["inputs_current"].all()
    read = set(_pl(bundled_warehouse, """
        select load_id from mart.loads where status = 'loaded'
        and (dataset in ('evaluation_center', 'public_services_monitoring', 'payroll')
             or load_id in (select load_id from core.macro_series where series = 'cpi_inflation_pct'))""")["load_id"])
    assert set(runs["load_ids"][0]) == read  # every load of the facts and the CPI series it read (not targets)
    params = json.loads(runs["parameters"][0])
    assert params["effects"]["default_rule"] == "endpoint" and params["inflation"]["series"] == "cpi_inflation_pct"
    for view, columns in CONTRACT.items():
        assert columns <= set(_pl(bundled_warehouse, f"select * from {view} limit 0").columns), view


def test_every_pilot_body_has_results_or_says_what_is_missing(bundled_warehouse: Path) -> None:
    cer = _pl(bundled_warehouse, "select * from mart.cer where status = 'ok'")
    assert set(cer["body_code"]) == WITH_DATA
    assert cer.group_by("body_code").len().sort("body_code")["len"].to_list() == [8, 8, 8]  # 4 years x 2 modes
    effects = _pl(bundled_warehouse, "select * from mart.factor_effects where status = 'ok'")
    assert set(effects["body_code"]) == WITH_DATA
    assert effects.height == 3 * 5 * 6  # bodies x factors x rules
    assert set(effects["effect"]) == {"positive", "negative"}
    verdicts = _pl(bundled_warehouse, "select * from mart.verdicts where is_default_rule")
    ok = verdicts.filter(pl.col("status") == "ok")
    assert set(ok["body_code"]) == WITH_DATA
    assert ok.filter(pl.col("hypothesis") == "H1")["supported"].all()
    gaps = verdicts.filter(pl.col("status") == "insufficient_data")
    assert set(gaps["body_code"]) == WITHOUT_DATA and gaps["supported"].is_null().all()
    assert all("any indicator value (mart.indicator_values)" in m for m in gaps["missing"].to_list())
    no_start = _pl(bundled_warehouse, "select missing from mart.cer where body_code = 'shymkent'")["missing"][0]
    assert "pilot_start_year (core.bodies)" in no_start.to_list()
    rob = _pl(bundled_warehouse, "select * from mart.robustness where status = 'ok'")
    assert set(rob["body_code"]) == WITH_DATA
    grades = _pl(bundled_warehouse, "select * from mart.grades where year = 2020 and body_code in ('acsa', 'astana')")
    assert dict(grades.select("body_code", "grade").rows()) == {"acsa": "average", "astana": "low"}


def test_recompute_analysis_alone_publishes_a_new_run(warehouse_copy: Path, prefect_server: None) -> None:
    from flows.analysis import recompute_analysis

    result = recompute_analysis(config="thesis")
    assert result["config"] == "thesis" and result["rows"]["cer"] > 0
    assert not list(warehouse_copy.parent.glob("*.work-*"))  # published, working copy gone
    runs = _pl(warehouse_copy, "select config, status, is_latest from mart.analysis_runs order by started_at")
    assert runs.rows() == [("default", "ok", True), ("thesis", "ok", True)]
    cer = _pl(warehouse_copy, "select * from mart.cer where config = 'thesis'")
    t19 = compare_table19(read_published().table19, cer)
    assert t19["match"].all() and t19.height == 44
    # the mart shows only the latest run of each configuration
    recompute_analysis(config="thesis")
    counts = _pl(warehouse_copy, "select config, count(distinct run_id) as n from mart.factor_effects group by all")
    assert dict(counts.rows()) == {"default": 1, "thesis": 1}
    assert _pl(warehouse_copy, "select count(*) as n from mart.analysis_runs")["n"][0] == 3


def test_a_failed_run_is_recorded_and_changes_no_result(warehouse_copy: Path, tmp_path: Path,
                                                        prefect_server: None) -> None:
    from flows.analysis import recompute_analysis
    from pilotwatch.analysis import AnalysisInputError

    cfg = tmp_path / "analysis.yaml"
    cfg.write_text("version: 1\nconfigurations:\n  default:\n    inflation: {series: no_such_series}\n", encoding="utf-8")
    before = _pl(warehouse_copy, "select * from mart.cer order by all")
    with pytest.raises(AnalysisInputError, match="no_such_series"):
        recompute_analysis(config="default", config_file=str(cfg))
    runs = _pl(warehouse_copy, "select config, status, message from mart.analysis_runs where status = 'failed'")
    assert runs.height == 1 and "no_such_series" in runs["message"][0]
    assert _pl(warehouse_copy, "select * from mart.cer order by all").equals(before)


def test_cli_reproduce_and_analyse(warehouse_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from pilotwatch.cli import main

    assert main(["reproduce"]) == 0
    out = capsys.readouterr().out
    assert "Table 19: 44 of 44 printed cells reproduced to the printed digit" in out
    assert "No single rule reproduces every factor cell of Table 20." in out
    assert "first_pilot_step  5/5         3/5           8/10" in out
    assert "H1          Supported      Supported                    True" in out
    assert "mangystau" in out  # beyond the thesis
    assert main(["reproduce", "--table", "20", "--format", "csv"]) == 0
    csv = capsys.readouterr().out.splitlines()
    assert csv[0].startswith("factor,body_code,printed,endpoint")
    assert main(["analyse", "--list"]) == 0
    assert "thesis:" in capsys.readouterr().out

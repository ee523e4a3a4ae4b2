"""The realistic 2021 delivery end to end (issue 12 "Done when"): one catalogue entry per file, a dry run
first, then one ``pilotwatch refresh --year 2021`` — no edits to the files or the repository, every
value converted (with its lineage) or refused with its reason, and the partial year reported.

The files are written by ``tests/delivery_2021.py`` (an Evaluation Center XLSX with a title row, a units
row and a footnote; a cp1251 payroll CSV in "млн. тенге"; a UTF-8-BOM public-services CSV in scores out
of 5). The refresh is the real flow on a real Prefect server, through the CLI's own ``main``.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import duckdb
import pytest
from delivery_2021 import EC, EC_CODES, PAYROLL, PAYROLL_MKZT, PSM, TURNOVER, write_delivery
from warehouse_reads import rows

from pilotwatch import PROJECT_ROOT
from pilotwatch.cli import main

pytestmark = pytest.mark.e2e


def digests(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


def number(text: str) -> float:
    return float(text.replace(" ", "").replace(",", "."))


def test_realistic_2021_delivery_goes_in_with_a_dry_run_and_one_refresh(
        bundled_warehouse: Path, db_path: Path, prefect_server: None, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    shutil.copyfile(bundled_warehouse, db_path)  # the warehouse `make run` left: 2017-2020
    cat = write_delivery(tmp_path / "delivery")
    delivered = digests(tmp_path / "delivery")
    repository = digests(PROJECT_ROOT / "data")

    # 1. the dry run: everything the refresh would load, convert and refuse; nothing written
    published = hashlib.sha256(db_path.read_bytes()).hexdigest()
    assert main(["refresh", "--year", "2021", "--catalogue", str(cat), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert hashlib.sha256(db_path.read_bytes()).hexdigest() == published
    assert "header: sheet 'Результаты', row 2:" in out
    assert "units (units row 3)" in out and "note (row 8, not data): Примечание" in out
    assert "'Акимат г. Нур-Султан' → astana" in out and "'АДГС РК' → acsa" in out
    assert "encoding: cp1251" in out
    # the exchange rate the delivery's catalogue brings converts the payroll already in the dry run
    assert out.index("source nbk_usd_kzt") < out.index("source payroll_2021")
    assert "'Фонд оплаты труда, млн. тенге': 'млн. тенге' as found, stored in 'mln USD'" in out
    assert "refuse row 7, column 'Значение': '8,1' is in points of 10" in out
    assert "would FAIL" not in out

    # 2. the refresh, as the yearly schedule runs it
    assert main(["refresh", "--year", "2021", "--catalogue", str(cat)]) == 0
    out = capsys.readouterr().out
    loads = rows(db_path, "select source_id, status from mart.loads where run_id = (select run_id from mart.loads "
                          "order by load_id desc limit 1) order by load_id")
    # the rate first (the bundled refresh loaded the same bytes already: unchanged), then the three files
    assert loads[0][0] == "nbk_usd_kzt" and loads[0][1] in ("loaded", "unchanged")
    assert loads[1:] == [("ec_2021", "loaded"), ("payroll_2021", "loaded"), ("psm_2021", "loaded")]
    assert rows(db_path, "select count(*) from mart.held_values") == [(0,)]  # nothing looked like a scale error

    # Evaluation Center: decimal commas read, Russian body names resolved, the footnote not a value
    got = dict(((b, i), v) for b, i, v in rows(db_path, "select body_code, indicator, value from mart.indicator_values "
                                                       "where year = 2021 and indicator in (select indicator from "
                                                       "core.indicators where dataset = 'evaluation_center')"))
    labels = {"Общая оценка эффективности": "overall_effectiveness", "Достижение целей": "goal_achievement",
              "Организационное развитие": "organizational_development",
              "Взаимодействие с гражданами": "interaction_with_citizens"}
    assert got == {(code, labels[label]): number(cells[k]) for label, cells in EC.items()
                   for k, code in enumerate(EC_CODES)}

    # payroll: mln tenge converted to mln USD by the 2021 rate, the conversion in the lineage
    [(rate,)] = rows(db_path, "select value from mart.macro where series = 'usd_kzt' and year = 2021")
    fund = dict(rows(db_path, "select body_code, value from mart.indicator_values where year = 2021 "
                              "and indicator = 'payroll_fund_musd'"))
    assert fund.keys() == PAYROLL_MKZT.keys()
    for body, mkzt in PAYROLL_MKZT.items():
        assert math.isclose(fund[body], mkzt / rate), body
    assert 10 < fund["acsa"] < 15  # the 2020 fund was 12.0 mln USD; never 5,280
    lineage = rows(db_path, "select body_code, value_text, unit_found, from_unit, rate, rate_series, rate_year "
                            "from mart.value_lineage where indicator = 'payroll_fund_musd' and year = 2021 order by body_code")
    assert lineage == [(code, fund, "млн. тенге", "mln KZT", rate, "usd_kzt", 2021)
                       for code, (_, fund, _) in zip(PAYROLL_MKZT, PAYROLL, strict=True)]
    assert dict(rows(db_path, "select body_code, value from mart.indicator_values where year = 2021 "
                              "and indicator = 'net_turnover'")) == TURNOVER

    # public services: scores out of 5 are their own indicator, % stays %, out of 10 is refused with its reason
    psm = rows(db_path, "select body_code, indicator, value, unit from mart.indicator_values where year = 2021 "
                        "and indicator like 'public_services%' order by body_code")
    assert psm == [("acsa", "public_services_score_5", 4.7, "points of 5"),
                   ("astana", "public_services_quality", 79.4, "%"),
                   ("justice", "public_services_score_5", 4.59, "points of 5"),
                   ("mangystau", "public_services_quality", 81.0, "%")]
    [(source, row, column, reason)] = rows(db_path, "select source_id, row_number, column_name, reason "
                                                    "from mart.quarantine where source_id like '%_2021'")
    assert (source, row, column) == ("psm_2021", 7, "Значение") and "points of 10 does not convert to %" in reason
    assert {b for b, _, _, _ in PSM} and len(psm) + 1 == len(PSM)  # every value accounted for

    # the partial year: published, reported, and the analysis leaves its incomplete body-years out
    pending = rows(db_path, "select body_code, dataset, missing_indicators from mart.pending_inputs "
                            "where year = 2021 order by all")
    assert ("mangystau", "payroll", ["net_turnover", "payroll_fund_musd"]) in pending
    assert ("acsa", "public_services_monitoring", ["public_services_quality"]) in pending
    # what the refresh's summary (a Prefect log line) says about it
    from pilotwatch.refresh import pending_lines

    con = duckdb.connect(str(db_path), read_only=True)
    try:
        said = pending_lines(con, [2021])
    finally:
        con.close()
    # Mangystau's payroll is not in; the Ministry of Justice has only its score out of 5 so far
    assert "partial year: 2021 still waits for payroll (justice, mangystau); published as it is" in "\n".join(said)
    assert main(["status"]) == 1  # something needs attention: the partial year
    assert "2021 waits for payroll" in capsys.readouterr().out

    # no edits to the delivered files or to the repository's data
    assert digests(tmp_path / "delivery") == delivered
    assert digests(PROJECT_ROOT / "data") == repository


def test_an_ingested_correction_is_analysed_and_checked_before_it_publishes(
        bundled_warehouse: Path, db_path: Path, tmp_path: Path, prefect_server: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 12: a correction through `pilotwatch ingest` "published without the checks a refresh runs",
    and reports then showed the previous analysis beside the corrected value."""
    import shutil

    from flows.ingest import ingest
    from pilotwatch import checks

    shutil.copyfile(bundled_warehouse, db_path)
    fix = tmp_path / "fix.csv"
    fix.write_text("body,year,indicator,value\nacsa,2020,organizational_development,90.0\n", encoding="utf-8")

    # the checks refuse: nothing is published (the published file keeps its bytes)
    before = hashlib.sha256(db_path.read_bytes()).hexdigest()
    seen: list[str] = []

    def refuse(con: duckdb.DuckDBPyConnection, logger: object) -> None:
        seen.append("checked")
        raise RuntimeError("warehouse checks failed (injected)")

    with monkeypatch.context() as m:
        m.setattr(checks, "checkpoint", refuse)
        with pytest.raises(RuntimeError, match="injected"):
            ingest("evaluation_center", str(fix), year=2020)
    assert seen == ["checked"] and hashlib.sha256(db_path.read_bytes()).hexdigest() == before

    # the checks pass: published together with an analysis that read the corrected value
    assert ingest("evaluation_center", str(fix), year=2020)["status"] == "loaded"
    assert rows(db_path, "select inputs_current from mart.analysis_runs where is_latest and config = 'default'") == [
        (True,)]
    [(inputs,)] = rows(db_path, "select inputs from mart.factor_effects where config = 'default' and body_code = 'acsa' "
                                "and factor = 'Organization' and rule = 'endpoint'")
    assert {"indicator": "organizational_development", "body_code": "acsa", "year": 2020, "value": 90.0} in inputs

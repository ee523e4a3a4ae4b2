"""Units and plausibility on a real warehouse: the two values issue 12 found stored wrong without a word."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from warehouse_reads import rows

import warehouse
from pilotwatch import DATA_DIR
from pilotwatch.catalogue import Catalogue, Source, load_catalogue
from pilotwatch.cli import main
from pilotwatch.ingest import LoadFailed, LoadResult, load_source


def source(path: Path, dataset: str, **extra: object) -> Source:
    spec: dict[str, object] = {"id": f"delivery_{dataset}", "dataset": dataset, "years": [2020, 2021],
                               "kind": "file", "path": str(path), "format": "csv", "layout": "long",
                               "columns": {"body": "Орган", "year": "Год", "indicator": "Показатель",
                                           "value": "Значение", "unit": "Единица"}}
    spec.update(extra)
    return Source.model_validate(spec)


def load(src: Source, years: list[int] | None = None, cat: Catalogue | None = None) -> LoadResult:
    failure: LoadFailed | None = None
    with warehouse.writer("test") as con:
        try:
            return load_source(con, cat or Catalogue(sources=[src], base_dir="/"), src, years or [2020, 2021])
        except LoadFailed as exc:
            failure = exc
    raise failure


def write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    p = tmp_path / name
    p.write_text("Орган;Год;Показатель;Значение;Единица\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return p


@pytest.fixture
def with_rates_and_2020(seeded_db: Path, tmp_path: Path) -> Path:
    """The bundled usd_kzt series (as every refresh loads it) and ACSA's and MoJ's 2020 values."""
    cat = load_catalogue(DATA_DIR / "catalogue.yaml")
    (rates,) = [s for s in cat.sources if s.id == "nbk_usd_kzt"]
    assert load(rates, list(rates.years), cat).status == "loaded"
    p = write(tmp_path, "2020.csv", ["АДГС РК;2020;Фонд оплаты труда;12,0;млн. долл. США",
                                     "Министерство юстиции РК;2020;Качество оказания государственных услуг;85,0;%"])
    assert load(source(p, "payroll"), [2020]).rows_accepted == 1
    assert load(source(p, "public_services_monitoring"), [2020]).rows_accepted == 1
    return seeded_db


def test_acsa_2021_payroll_in_mln_tenge_is_converted_by_the_2021_rate(with_rates_and_2020: Path,
                                                                        tmp_path: Path) -> None:
    db = with_rates_and_2020
    p = write(tmp_path, "payroll_2021.csv", ["Агентство РК по делам государственной службы;2021;Фонд оплаты труда;"
                                             "5 280,0 млн. тенге;"])
    result = load(source(p, "payroll"), [2021])
    assert (result.status, result.rows_accepted, result.rows_rejected) == ("loaded", 1, 0), result.message
    [(rate,)] = rows(db, "select value from mart.macro where series = 'usd_kzt' and year = 2021")
    [(value, unit)] = rows(db, "select value, unit from mart.indicator_values where body_code = 'acsa' "
                               "and year = 2021 and indicator = 'payroll_fund_musd'")
    assert unit == "mln USD" and 12 < value < 13 and math.isclose(value, 5280.0 / rate)
    [lineage] = rows(db, "select value_text, unit_found, unit_source, from_unit, rate, rate_series, rate_year "
                         "from mart.value_lineage where year = 2021")
    assert lineage == ("5 280,0 млн. тенге", "млн. тенге", "cell", "mln KZT", rate, "usd_kzt", 2021)


def test_a_scale_error_is_held_with_its_history_and_released_by_one_command(
        with_rates_and_2020: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The 2021 fund typed in the wrong unit (5,280 "mln USD" after 12.0): held, not loaded, then released."""
    db = with_rates_and_2020
    p = write(tmp_path, "payroll_2021.csv", ["АДГС РК;2021;Фонд оплаты труда;5 280,0;млн. долл. США"])
    result = load(source(p, "payroll"), [2021])
    assert result.status == "loaded" and "held as suspected unit or scale errors" in result.message
    assert rows(db, "select count(*) from core.indicator_facts where year = 2021") == [(0,)]
    [(hold_id, status, value, reason, history)] = rows(
        db, "select hold_id, status, value, reason, history from mart.held_values")
    assert (status, value) == ("held", 5280.0)
    assert "suspected unit or scale error" in reason and "2020: 12" in reason
    assert json.loads(history) == {"2020": 12.0}
    [(qreason,)] = rows(db, "select reason from mart.quarantine where reason like 'suspected%'")
    assert f"pilotwatch quarantine release {hold_id}" in qreason

    def cli(*args: str) -> tuple[int, str, str]:  # the command as a user runs it, by the CLI's main in process
        capsys.readouterr()
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    code, out, _ = cli("quarantine", "list", "--format", "csv")
    assert code == 0 and f"\n{hold_id},held,acsa,2021,payroll_fund_musd,5280.0," in out
    code, _, err = cli("quarantine", "release", str(hold_id), "--by", "analyst-2")
    assert code == 0, err
    assert rows(db, "select value, load_id from core.indicator_facts where year = 2021") == [(5280.0, result.load_id)]
    assert rows(db, "select status, released_by from mart.held_values") == [("released", "analyst-2")]
    assert rows(db, "select from_unit, value_text from mart.value_lineage where year = 2021") == [
        ("mln USD", "5 280,0")]
    code, _, err = cli("quarantine", "release", str(hold_id))
    assert code == 1 and "already released" in err


def test_moj_score_out_of_5_is_its_own_indicator_never_a_percentage(with_rates_and_2020: Path,
                                                                     tmp_path: Path) -> None:
    """MoJ's 2020-style result "4.59 points out of 5": not "4.59 %" (issue 12)."""
    db = with_rates_and_2020
    p = write(tmp_path, "psm_2021.csv", ["МЮ РК;2021;Качество оказания государственных услуг;4,59;баллов из 5"])
    result = load(source(p, "public_services_monitoring"), [2021])
    assert (result.status, result.rows_accepted, result.rows_rejected) == ("loaded", 1, 0), result.message
    assert rows(db, "select indicator, value, unit from mart.indicator_values where year = 2021") == [
        ("public_services_score_5", 4.59, "points of 5")]


def test_a_bare_4_59_is_refused_or_held_never_stored_as_a_percentage(with_rates_and_2020: Path,
                                                                      tmp_path: Path) -> None:
    db = with_rates_and_2020
    p = write(tmp_path, "psm_2021.csv", ["МЮ РК;2021;Качество оказания государственных услуг;4.59;",
                                         "АДГС РК;2021;Качество оказания государственных услуг;86,0;%"])
    # no unit anywhere, and the catalogue does not say the source is in declared units: refused
    result = load(source(p, "public_services_monitoring", max_reject_share=1.0), [2021])
    assert (result.rows_accepted, result.rows_rejected) == (1, 1)
    [(reason,)] = rows(db, f"select reason from mart.quarantine where load_id = {result.load_id}")
    assert "no unit for '4.59'" in reason and "assume_declared" in reason
    # the catalogue says "declared units": the value is read as 4.59 %, and 85 % the year before gives it away
    result = load(source(p, "public_services_monitoring", units={"assume_declared": True}, id="declared"), [2021])
    assert "held" in result.message
    assert rows(db, "select count(*) from core.indicator_facts where year = 2021 and body_code = 'justice'") == [(0,)]
    [(reason,)] = rows(db, "select reason from mart.held_values")
    assert "is x0.054 the median 85" in reason


def test_separators_declared_in_the_catalogue(seeded_db: Path, tmp_path: Path) -> None:
    """Issue 13: "1,234" is refused as ambiguous unless the source declares its separators."""
    p = write(tmp_path, "headcount.csv", ["АДГС РК;2021;Среднесписочная численность;1,234;тыс. чел."])
    with pytest.raises(LoadFailed, match="ambiguous: 1.234 with a decimal ','"):
        load(source(p, "payroll"), [2021])
    assert load(source(p, "payroll", numbers={"decimal": ","}, id="comma"), [2021]).rows_accepted == 1
    assert rows(seeded_db, "select value, unit from core.indicator_facts") == [(1234.0, "persons")]
    assert load(source(p, "payroll", numbers={"thousands": ","}, id="grouped"), [2021]).rows_accepted == 1
    assert rows(seeded_db, "select value, unit from core.indicator_facts") == [(1_234_000.0, "persons")]

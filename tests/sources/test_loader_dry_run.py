"""Preview before writing (issue 12 item 5): ``--dry-run`` runs the real pipeline and shows the header,
resolved bodies and indicators, units, refusals and replacements — and the published warehouse file
keeps its exact bytes. Also: the catalogue reference cannot drift from the model."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest
import yaml

import warehouse
from pilotwatch.catalogue import Catalogue, Source, adhoc_source
from pilotwatch.cli import main
from pilotwatch.commands.catalogue import EXAMPLES, reference
from pilotwatch.ingest import load_source

ROOT = Path(__file__).resolve().parents[2]


def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def n_loads(db: Path) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("select count(*) from meta.loads").fetchone()[0]  # type: ignore[index]
    finally:
        con.close()


@pytest.fixture
def published(seeded_db: Path, tmp_path: Path) -> Path:
    """A warehouse holding ACSA's and Astana's 2021 values, as a first delivery left them."""
    p = tmp_path / "first.csv"
    p.write_text("body,year,indicator,value\nacsa,2021,overall_effectiveness,88.3\nacsa,2021,goal_achievement,90\n"
                 "astana,2021,overall_effectiveness,67.8\n")
    src = adhoc_source("evaluation_center", str(p), year=2021)
    with warehouse.writer("test") as con:
        assert load_source(con, Catalogue(sources=[src], base_dir="/"), src, [2021]).status == "loaded"
    return seeded_db


CORRECTION = ("Результаты за 2021 год\n"
              "Государственный орган;Год;Показатель;Значение, %\n"
              "Агентство по делам государственной службы;2021;Общая оценка эффективности;89,1\n"
              "Министерство чудес;2021;Общая оценка эффективности;70\n"
              "Примечание: уточнённые данные\n")


def test_ingest_dry_run_shows_what_would_load_and_writes_nothing(
        published: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "correction.csv"
    f.write_bytes(CORRECTION.encode("cp1251"))
    before, loads, mtime = sha(published), n_loads(published), published.stat().st_mtime_ns
    code = main(["ingest", "evaluation_center", str(f), "--year", "2021", "--dry-run"])
    out = capsys.readouterr().out
    assert "dry run, nothing written" in out
    assert "header: row 2: ['Государственный орган', 'Год', 'Показатель', 'Значение, %']" in out
    assert "encoding: cp1251" in out
    assert "column 'Значение, %' read as 'value'" in out
    assert "units (header): 'value': '%'" in out
    assert "note (row 5, not data): Примечание: уточнённые данные" in out
    assert "'Агентство по делам государственной службы' → acsa" in out
    assert "'Общая оценка эффективности' → overall_effectiveness" in out
    assert "would load 1 value(s) for years [2021]; refuse 1" in out
    assert "refuse row 4, column 'body': unknown body 'Министерство чудес'" in out
    assert "replace acsa 2021 overall_effectiveness: 88.3 (adhoc) → 89.1" in out
    assert "would FAIL: 1 of 2 values refused (max_reject_share 20%)" in out
    assert code == 1  # the real load would fail too
    assert (sha(published), n_loads(published), published.stat().st_mtime_ns) == (before, loads, mtime)


def test_dry_run_before_the_first_refresh_needs_no_warehouse(db_path: Path, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "ok.csv"
    f.write_text("body,year,indicator,value\nacsa,2021,goal_achievement,91.4\n")
    assert main(["ingest", "evaluation_center", str(f), "--dry-run"]) == 0
    assert "would load 1 value(s)" in capsys.readouterr().out
    assert not db_path.exists()


def test_catalogue_check_and_refresh_dry_run_leave_the_warehouse_untouched(
        published: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "ec.csv").write_text(CORRECTION.replace("Министерство чудес", "Акимат города Нур-Султана"),
                                          encoding="utf-8-sig")
    cat = tmp_path / "catalogue.yaml"
    cat.write_text(yaml.safe_dump({"version": 1, "sources": [{
        "id": "ec_2021", "dataset": "evaluation_center", "years": [2021], "kind": "file", "path": "d/ec.csv",
        "format": "csv", "layout": "long",
        "columns": {"body": "body", "year": "year", "indicator": "indicator", "value": "value"}}]},
        allow_unicode=True))
    before = sha(published)
    assert main(["catalogue", "check", "ec_2021", "--catalogue", str(cat)]) == 0
    out = capsys.readouterr().out
    assert "source ec_2021 → evaluation_center" in out and "'Акимат города Нур-Султана' → astana" in out
    assert "replace astana 2021 overall_effectiveness: 67.8 (adhoc) → 70" in out
    assert main(["refresh", "--dry-run", "--year", "2021", "--catalogue", str(cat)]) == 0
    assert "would load 2 value(s)" in capsys.readouterr().out
    assert main(["catalogue", "check", "nope", "--catalogue", str(cat)]) != 0
    assert sha(published) == before


def test_ingest_dry_run_names_a_hostile_file(published: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "glued.csv"
    f.write_bytes("body;year;indicator;value\nАДГС;2021;goal_achievement;91,4\n".encode()
                  + "acsa;2020;Достижение целей;90\n".encode("cp1251"))
    assert main(["ingest", "evaluation_center", str(f), "--dry-run"]) == 1
    assert "would FAIL: mixed text encodings" in capsys.readouterr().out


def test_catalogue_reference_is_generated_from_the_model() -> None:
    committed = (ROOT / "docs" / "catalogue.md").read_text(encoding="utf-8")
    assert committed == reference(), "docs/catalogue.md is stale: run pilotwatch catalogue reference > docs/catalogue.md"
    for key in ("`sources[].limits.max_unpacked_bytes`", "`sources[].csv.header_row`", "`sources[].columns.bodies`",
                "`sources[].xlsx.sheet`", "`defaults.max_reject_share`"):
        assert key in committed
    for name in Source.model_fields:  # every key of an entry is documented
        alias = Source.model_fields[name].alias or name
        assert f"`sources[].{alias}`" in committed


@pytest.mark.parametrize("example", EXAMPLES, ids=[e[0].split(" ")[0] for e in EXAMPLES])
def test_reference_examples_are_valid_entries(example: tuple[str, str, str]) -> None:
    (entry,) = yaml.safe_load(example[2])
    src = Source.model_validate(entry)
    assert example[0].startswith(src.layout)

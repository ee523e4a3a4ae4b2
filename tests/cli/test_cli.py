"""The command line as an operator uses it: query formats, ad-hoc ingest, clear errors."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from pilotwatch.cli import build_parser, main


@pytest.fixture
def published(bundled_warehouse: Path, db_path: Path) -> Path:
    shutil.copyfile(bundled_warehouse, db_path)
    return db_path


def test_every_command_has_help_with_examples() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, p in sub.choices.items():  # type: ignore[union-attr]
        text = p.format_help()
        assert "example" in text.lower(), f"`pilotwatch {name} --help` has no examples"


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_query_formats(published: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    sql = "select body_code, value from mart.indicator_values where indicator = 'overall_effectiveness' " \
          "and year = 2017 order by body_code"
    assert main(["query", sql, "--format", fmt]) == 0
    out = capsys.readouterr().out
    if fmt == "json":
        rows = json.loads(out)
        assert {"body_code": "acsa", "value": 89.8} in rows
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(out)))
        assert rows[0] == ["body_code", "value"] and ["acsa", "89.8"] in rows
    else:
        assert "acsa" in out and "89.8" in out and "(6 rows)" in out


def test_query_is_read_only(published: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "delete from core.indicator_facts"]) == 1
    assert "read-only" in capsys.readouterr().err.lower()
    assert main(["query", "select count(*) as n from mart.indicator_values", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"n": 168}]


def test_query_without_warehouse_says_what_to_do(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "select 1"]) == 1
    assert "pilotwatch refresh" in capsys.readouterr().err


def test_ingest_adhoc_file(published: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                           prefect_server: None) -> None:
    f = tmp_path / "acsa_2021.csv"
    f.write_text("body;year;indicator;value\nАгентство по делам государственной службы;2021;"
                 "Evaluation of overall effectiveness of a state body;86,1\n"
                 "Unknown Agency;2021;overall_effectiveness;50\n"
                 "ACSA;2021;goal_achievement;96\nACSA;2021;organizational_development;90\n"
                 "ACSA;2021;interaction_with_citizens;80\n", encoding="utf-8-sig")
    assert main(["ingest", "evaluation_center", str(f), "--year", "2021"]) == 0
    out = capsys.readouterr().out
    assert "loaded: 4 accepted, 1 rejected" in out and "row 3" in out and "Unknown Agency" in out
    assert main(["query", "select value from mart.indicator_values where body_code='acsa' and year=2021 "
                          "and indicator='overall_effectiveness'", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"value": 86.1}]


_IMPORTS_AFTER = """
import sys
from pilotwatch.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
heavy = ("polars", "pandas", "pydantic", "jinja2", "prefect", "semopy", "scipy", "great_expectations")
print(sorted(m for m in sys.modules if m.startswith("pilotwatch.commands.") or m.split(".")[0] in heavy))
"""


@pytest.mark.parametrize(("argv", "allowed"), [
    (["--help"], set()),
    (["query", "select 1"], {"pilotwatch.commands.query"}),
    (["query", "--help"], {"pilotwatch.commands.query"}),
])
def test_a_command_imports_only_what_it_runs(seeded_db: Path, argv: list[str], allowed: set[str]) -> None:
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=str(root))
    r = subprocess.run([sys.executable, "-c", _IMPORTS_AFTER, *argv], env=env, capture_output=True, text=True,
                       check=True)
    imported = set(eval(r.stdout.strip().splitlines()[-1]))  # noqa: S307 - our own printed list
    assert imported == allowed, imported


def test_survey_without_a_prefect_server_does_not_import_prefect(seeded_db: Path, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env["PYTHONPATH"] = str(root)
    r = subprocess.run([sys.executable, "-c", _IMPORTS_AFTER, "survey", "model_test", "--demo", "--json"], env=env,
                       capture_output=True, text=True, check=True)
    imported = r.stdout.strip().splitlines()[-1]
    assert '"instrument": "model_test"' in r.stdout
    assert "'prefect'" not in imported and "'semopy'" not in imported, imported

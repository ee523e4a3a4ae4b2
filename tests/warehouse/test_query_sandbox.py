"""``pilotwatch query`` cannot leave the warehouse (issue 13): every escape an attacker tried fails
with a clear message, writes nothing, and no secret of the environment reaches any output."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

import warehouse
from pilotwatch.cli import main

SECRET = "s3cr3t-webhook-value-4242"


def _attacks(tmp: Path) -> list[tuple[str, str]]:
    """(SQL, a phrase the refusal must contain); each would read, write or reconfigure something."""
    victim = tmp / "victim.yaml"
    return [
        (f"COPY (select 'sources: []') TO '{victim}'", "COPY statements are not allowed"),
        (f"select * from read_csv('{victim}')", "out of reach"),
        ("select * from read_text('/proc/self/environ')", "out of reach"),
        ("select * from read_blob('/etc/hostname')", "out of reach"),
        ("select * from glob('/*')", "out of reach"),
        ("select * from '/etc/passwd'", "does not exist"),  # no file scans: not even a replacement scan
        (f"ATTACH '{tmp / 'other.duckdb'}' AS other", "ATTACH statements are not allowed"),
        ("SET enable_external_access = true", "SET statements are not allowed"),
        ("RESET lock_configuration", "SET statements are not allowed"),
        ("INSTALL httpfs", "LOAD statements are not allowed"),
        ("LOAD httpfs", "LOAD statements are not allowed"),
        ("PRAGMA database_list", "PRAGMA statements are not allowed"),
        ("CALL pragma_version()", "CALL statements are not allowed"),
        (f"EXPORT DATABASE '{tmp / 'export'}'", "EXPORT statements are not allowed"),
        ("select 1; select * from read_text('/proc/self/environ')", "one statement per call"),
        ("select 1; select 2", "one statement per call"),
        ("CREATE TABLE mart.x AS SELECT 1", "CREATE statements are not allowed"),
        ("select * from duckdb_secrets()", "out of reach"),
        (f"EXPLAIN ANALYZE COPY (select 1) TO '{victim}'", "out of reach"),  # EXPLAIN runs what it wraps
        ("EXPLAIN ANALYZE SET threads = 1", "configuration has been locked"),
        ("select current_setting('enable_external_access') from (select 1); set threads = 1", "one statement"),
    ]


ATTACK_IDS = [f"attack{i}" for i in range(len(_attacks(Path("/x"))))]


@pytest.mark.parametrize("index", range(len(ATTACK_IDS)), ids=ATTACK_IDS)
def test_every_escape_fails_clearly_and_touches_nothing(seeded_db: Path, tmp_path: Path, index: int,
                                                        capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PILOTWATCH_TEST_SECRET", SECRET)
    sql, expected = _attacks(tmp_path)[index]
    before = warehouse.file_sha256(seeded_db)
    assert main(["query", sql]) == 1
    out, err = capsys.readouterr()
    assert expected in err, err
    assert SECRET not in out + err
    assert not (tmp_path / "victim.yaml").exists()
    assert not (tmp_path / "export").exists()
    assert warehouse.file_sha256(seeded_db) == before


def test_the_environment_cannot_be_read_from_a_separate_process(seeded_db: Path) -> None:
    """/proc/self/environ holds the environment a process started with, so this needs a real one."""
    env = dict(os.environ, PILOTWATCH_DB=str(seeded_db), PILOTWATCH_TEST_SECRET=SECRET)
    for sql in ("select * from read_text('/proc/self/environ')",
                "select content from read_blob('/proc/self/environ')"):
        r = subprocess.run([sys.executable, "-m", "pilotwatch.cli", "query", sql, "--format", "csv"],
                           env=env, capture_output=True, text=True, timeout=120)
        assert r.returncode == 1
        assert "out of reach of pilotwatch query" in r.stderr
        assert SECRET not in r.stdout + r.stderr


def test_a_select_still_works_and_script_runs_several(seeded_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "select count(*) as n from mart.bodies", "--format", "json"]) == 0
    n = json.loads(capsys.readouterr().out)[0]["n"]
    assert n > 0
    assert main(["query", "--script", "select 1 as a; select 2 as b", "--format", "csv"]) == 0
    assert capsys.readouterr().out.split() == ["a", "1", "b", "2"]
    assert main(["query", "--script", "select 1; copy (select 1) to '/tmp/x.csv'"]) == 1
    assert "COPY statements are not allowed" in capsys.readouterr().err


def test_csv_neutralises_formulas_but_not_numbers(seeded_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sql = ("select '=HYPERLINK(\"http://x\",\"y\")' as f, '+1' as p, '@sum' as at, chr(9) || 'tab' as t, "
           "'-2' as text_minus, -1.5 as negative, 3 as n, 'plain' as s")
    assert main(["query", sql, "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[1] == ["'=HYPERLINK(\"http://x\",\"y\")", "'+1", "'@sum", "'\ttab", "'-2", "-1.5", "3", "plain"]


def test_csv_joins_lists_and_json_encodes_structs(seeded_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sql = ("select ['interaction_with_citizens', 'goal_achievement'] as codes, [1, 2] as nums, "
           "{'body': 'acsa', 'year': 2020} as s, [{'a': 1}] as list_of_structs")
    assert main(["query", sql, "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[1][0] == "interaction_with_citizens; goal_achievement"
    assert rows[1][1] == "1; 2"
    assert json.loads(rows[1][2]) == {"body": "acsa", "year": 2020}
    assert json.loads(rows[1][3]) == [{"a": 1}]


def test_parquet_export(seeded_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "bodies.parquet"
    assert main(["query", "select body_code, 1.5 as x from mart.bodies", "--format", "parquet",
                 "--output", str(out)]) == 0
    frame = pl.read_parquet(out)
    assert frame.columns == ["body_code", "x"]
    assert "acsa" in frame["body_code"].to_list()
    assert main(["query", "select 1", "--format", "parquet"]) == 1  # needs --output

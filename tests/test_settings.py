"""Settings: the environment is read in one module, and runtime output goes to one data directory."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

import pytest

from pilotwatch import PROJECT_ROOT, settings

RUNTIME_VARS = ("PILOTWATCH_HOME", "PILOTWATCH_DB", "PILOTWATCH_DOCS_DIR", "PILOTWATCH_REPORTS_DIR")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in RUNTIME_VARS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_runtime_output_defaults_to_var_in_the_checkout_which_git_ignores(clean_env: pytest.MonkeyPatch) -> None:
    home = PROJECT_ROOT / "var"
    assert settings.home() == home
    assert settings.db_path() == home / "pilotwatch.duckdb"
    assert settings.docs_dir() == home / "data_docs"
    assert settings.reports_dir() == home / "reports"
    written = [settings.db_path(), settings.db_path().with_suffix(".duckdb.lock"), settings.docs_dir() / "index.html",
               settings.reports_dir() / "acsa.html", home / "alerts.log"]
    out = subprocess.run(["git", "check-ignore", "--no-index", *map(str, written)], cwd=PROJECT_ROOT,
                         capture_output=True, text=True)
    assert sorted(out.stdout.split()) == sorted(map(str, written)), out.stderr


def test_pilotwatch_home_moves_every_runtime_path(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_env.setenv("PILOTWATCH_HOME", str(tmp_path / "state"))
    for p in (settings.db_path(), settings.docs_dir(), settings.reports_dir()):
        assert p.is_relative_to(tmp_path / "state")


def test_pilotwatch_db_still_names_the_warehouse_and_the_rest_goes_beside_it(clean_env: pytest.MonkeyPatch,
                                                                            tmp_path: Path) -> None:
    clean_env.setenv("PILOTWATCH_HOME", str(tmp_path / "state"))
    clean_env.setenv("PILOTWATCH_DB", str(tmp_path / "elsewhere" / "wh.duckdb"))
    assert settings.db_path() == tmp_path / "elsewhere" / "wh.duckdb"
    assert settings.docs_dir() == tmp_path / "elsewhere" / "data_docs"
    assert settings.reports_dir() == tmp_path / "elsewhere" / "reports"


def test_a_writer_publishes_into_pilotwatch_home(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import warehouse
    from pilotwatch import registry

    clean_env.setenv("PILOTWATCH_HOME", str(tmp_path / "state"))
    with warehouse.writer("test-home") as con:
        registry.seed(con)
    assert (tmp_path / "state" / "pilotwatch.duckdb").is_file()
    with warehouse.connect(read_only=True) as con:
        assert warehouse.one(con, "select count(*) from mart.bodies")[0] > 0


def test_a_relative_file_channel_writes_into_the_data_directory(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from pilotwatch.alerts.channels import build_sender
    from pilotwatch.alerts.config import load_config

    clean_env.setenv("PILOTWATCH_HOME", str(tmp_path / "state"))
    sender = build_sender("log", load_config())  # data/monitoring.yaml: path alerts.log
    assert sender.path == tmp_path / "state" / "alerts.log"


@pytest.mark.parametrize(("value", "expected"), [(None, frozenset()), ("", frozenset()),
                                                 ("load, publish", frozenset({"load", "publish"}))])
def test_failpoints_are_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch, value: str | None,
                                              expected: frozenset[str]) -> None:
    if value is None:
        monkeypatch.delenv("PILOTWATCH_FAILPOINTS", raising=False)
    else:
        monkeypatch.setenv("PILOTWATCH_FAILPOINTS", value)
    assert settings.failpoints() == expected


@pytest.mark.parametrize(("value", "expected"), [(None, None), ("  ", None), ("k3y", "k3y")])
def test_a_named_value_is_none_when_unset_or_blank(monkeypatch: pytest.MonkeyPatch, value: str | None,
                                                   expected: str | None) -> None:
    if value is None:
        monkeypatch.delenv("PW_TEST_NAMED", raising=False)
    else:
        monkeypatch.setenv("PW_TEST_NAMED", value)
    assert settings.named_value("PW_TEST_NAMED") == expected
    assert settings.named_value(None) is None


def _reads_environment(tree: ast.AST) -> list[int]:
    """Lines that touch ``os.environ`` or call ``os.getenv``."""
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "os"
            and node.attr in ("environ", "getenv", "environb", "putenv", "unsetenv")]


def test_the_environment_is_read_only_in_settings() -> None:
    offenders = {}
    for package in ("pilotwatch", "flows", "transforms", "schemas", "warehouse"):
        for path in sorted((PROJECT_ROOT / package).rglob("*.py")):
            rel = path.relative_to(PROJECT_ROOT).as_posix()
            if rel == "pilotwatch/settings.py":
                continue
            lines = _reads_environment(ast.parse(path.read_text(encoding="utf-8")))
            if lines:
                offenders[rel] = lines
    assert offenders == {}, f"read the environment through pilotwatch.settings: {offenders}"

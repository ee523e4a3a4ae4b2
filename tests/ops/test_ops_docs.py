"""docs/operations.md stays true: its SQL runs on the bundled warehouse, its commands exist."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from pilotwatch import PROJECT_ROOT

DOC = PROJECT_ROOT / "docs" / "operations.md"


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


@pytest.mark.parametrize("query", _blocks("sql"), ids=lambda q: q.split("\n")[0][:40])
def test_example_query_runs_and_answers(bundled_warehouse: Path, query: str) -> None:
    con = duckdb.connect(str(bundled_warehouse), read_only=True)
    try:
        rows = con.execute(query).fetchall()
    finally:
        con.close()
    assert rows, "an example query should answer something on the bundled data"


def test_documented_commands_exist() -> None:
    from pilotwatch.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    used = set(re.findall(r"^\s*(?:\.venv/bin/)?pilotwatch ([a-z]+)", "\n".join(_blocks("bash")), flags=re.M))
    assert used, "the doc shows pilotwatch commands"
    assert used <= set(sub.choices), used - set(sub.choices)
    deployments = set(re.findall(r"prefect deployment run '([^']+)'", DOC.read_text(encoding="utf-8")))
    import yaml

    declared = yaml.safe_load((PROJECT_ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]
    from pilotwatch.deployments import load_flow

    names = {f"{load_flow(d['entrypoint']).name}/{d['name']}" for d in declared}
    assert deployments <= names, deployments - names

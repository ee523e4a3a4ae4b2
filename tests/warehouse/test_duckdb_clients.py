"""The published warehouse opens in the DuckDB 1.x clients analysts have (issue 16): the DuckDB CLI
from the package index (``duckdb-cli`` 1.5, installed by the ``dev`` extra) reads it read-only."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path

import pytest

import warehouse
from pilotwatch import settings
from pilotwatch.catalogue import load_catalogue
from pilotwatch.ingest import load_source


def duckdb_cli() -> str | None:
    """The ``duckdb`` binary of the ``duckdb-cli`` package (or one on PATH)."""
    spec = importlib.util.find_spec("duckdb_cli")
    if spec and spec.origin and (Path(spec.origin).parent / "duckdb").is_file():
        return str(Path(spec.origin).parent / "duckdb")
    return shutil.which("duckdb")


CLI = duckdb_cli()


@pytest.mark.skipif(CLI is None, reason="duckdb-cli is not installed (pip install -e '.[dev]'; .ci/run does)")
def test_the_duckdb_1x_cli_opens_the_published_warehouse(seeded_db: Path) -> None:
    cat = load_catalogue(settings.catalogue_path())
    with warehouse.writer("test-clients") as con:
        for source in cat.sources:
            if 2020 in source.years and source.dataset == "evaluation_center":
                load_source(con, cat, source, [2020])
    con = warehouse.connect(read_only=True)
    try:
        expected = con.execute("select count(*) from mart.indicator_values").fetchall()[0][0]
    finally:
        con.close()
    assert expected > 0
    version = subprocess.run([CLI, "-version"], capture_output=True, text=True, timeout=60).stdout
    assert version.startswith("v1."), version  # a 1.x client, not the 2.0 that writes the file
    r = subprocess.run([CLI, "-readonly", "-csv", "-noheader", str(seeded_db), "-c",
                        "select count(*) from mart.indicator_values"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert int(r.stdout.strip()) == expected

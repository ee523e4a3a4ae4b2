"""Commands complete on a busy machine (issue 13): a flow command as a fresh process, with no Prefect
server configured, while CPU burners keep both cores busy.

Prefect's own default gave its temporary server 20 s to start; with the load average above about 20
every flow command failed with "Timed out while attempting to connect to ephemeral Prefect API
server". pilotwatch now allows ``settings.DEFAULT_PREFECT_STARTUP_TIMEOUT_S``, runs the survey
without a temporary server, and switches Prefect's telemetry off (no "Failed to send telemetry").

One command proves it: ``ingest`` starts its temporary server the way every flow command does (the
defaults are applied by ``flows/__init__.py``), so ``analyse`` under the same load adds time, not
coverage (it ran here too until the suite had to fit in 3 minutes). That the survey needs no server
is tests/cli/test_cli.py::test_survey_without_a_prefect_server_does_not_import_prefect.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: A spinning process per core for at most this long each (they also exit on their own).
BURN_S = 60
BURNERS = 2


@pytest.fixture
def cpu_burners() -> Iterator[list[subprocess.Popen]]:
    """Bounded CPU load: BURNERS processes spinning for at most BURN_S seconds, killed in teardown."""
    spin = f"import time\nend = time.monotonic() + {BURN_S}\nwhile time.monotonic() < end:\n    pass\n"
    procs = [subprocess.Popen([sys.executable, "-c", spin]) for _ in range(BURNERS)]
    try:
        yield procs
    finally:
        for p in procs:
            p.kill()
            p.wait()


@pytest.mark.slow
def test_a_flow_command_completes_under_cpu_load(bundled_warehouse: Path, tmp_path: Path,
                                                cpu_burners: list[subprocess.Popen]) -> None:
    db = tmp_path / "wh" / "pilotwatch.duckdb"
    db.parent.mkdir()
    shutil.copyfile(bundled_warehouse, db)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PILOTWATCH_DB=str(db), PREFECT_HOME=str(tmp_path / "prefect"), PYTHONPATH=str(ROOT))
    csv = tmp_path / "acsa_2021.csv"
    csv.write_text("body;year;indicator;value\nACSA;2021;goal_achievement;96\n", encoding="utf-8")
    cli = [sys.executable, "-m", "pilotwatch.cli"]
    commands = {"ingest": cli + ["ingest", "evaluation_center", str(csv), "--year", "2021"]}
    assert all(p.poll() is None for p in cpu_burners), "the burners must be running while the commands start"
    procs = {name: subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True) for name, cmd in commands.items()}
    # generous: at a load average of 25 (a shared machine, 2026-11-30) three such commands took 600 s together
    outputs = {name: p.communicate(timeout=1200) for name, p in procs.items()}
    for name, p in procs.items():
        out, err = outputs[name]
        assert p.returncode == 0, f"pilotwatch {name} failed under load:\n{err[-2000:]}"
        assert "Timed out while attempting to connect" not in err
        assert "Failed to send telemetry" not in err, f"pilotwatch {name} tried to send telemetry"
    assert "loaded" in outputs["ingest"][0]

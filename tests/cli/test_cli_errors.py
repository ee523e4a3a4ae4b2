"""Operator-facing cosmetics that matter (issue 13): no traceback for a user's mistake, no
"Broken pipe" when the output is cut short by ``head``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pilotwatch.cli import main


def test_a_closed_pipe_ends_quietly(seeded_db: Path) -> None:
    env = dict(os.environ, PILOTWATCH_DB=str(seeded_db))
    proc = subprocess.Popen([sys.executable, "-m", "pilotwatch.cli", "query", "select * from range(200000)"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()  # what `| head -1` does: read a line, then hang up
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141
    assert "Broken pipe" not in err and "Errno 32" not in err and "Traceback" not in err, err


def test_a_misspelt_catalogue_key_is_one_message_without_traceback(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    cat = tmp_path / "cat.yaml"
    cat.write_text("sources:\n  - id: x\n    dataset: macro\n    yeras: [2020]\n")
    assert main(["refresh", "--catalogue", str(cat)]) == 1
    err = capsys.readouterr().err
    assert f"catalogue {cat}" in err and "yeras" in err and "Extra inputs are not permitted" in err
    assert "Traceback" not in err

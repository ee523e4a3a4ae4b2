"""Progress on long work: drawn in a terminal, silent in pipes, logs and CI (pilotwatch.progress)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from payroll_records_fixtures import HAND_ROWS, records_env, write_csv  # noqa: F401

from pilotwatch import PROJECT_ROOT

#: A long job in miniature: five steps through the real helper, then a result on stdout.
SCRIPT = """
import time
from pilotwatch import progress
with progress.steps("crunching", total=5) as advance:
    for i in range(5):
        time.sleep(0.15)
        advance(f"step {i}")
print("result 42")
"""


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PILOTWATCH_PROGRESS")}
    return {**env, "PYTHONPATH": str(PROJECT_ROOT), "TERM": "xterm", "COLUMNS": "100", **extra}


def _in_a_terminal(env: dict[str, str]) -> bytes:
    """Run SCRIPT with stdout and stderr on a pseudo-terminal; return everything the terminal received."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT], stdout=follower, stderr=follower, env=env)
    os.close(follower)
    out = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    proc.wait(timeout=60)
    os.close(leader)
    return out


def test_a_terminal_sees_the_progress() -> None:
    out = _in_a_terminal(_env())
    assert b"crunching" in out and b"/5" in out
    assert b"result 42" in out


@pytest.mark.parametrize("extra", [{}, {"CI": "true"}, {"PILOTWATCH_PROGRESS": "0"}], ids=["pipe", "ci", "off"])
def test_pipes_logs_and_ci_get_no_progress_noise(extra: dict[str, str]) -> None:
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, env=_env(**extra), timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == b"result 42\n"
    assert proc.stderr == b""


def test_ci_is_quiet_even_in_a_terminal() -> None:
    out = _in_a_terminal(_env(CI="true"))
    assert b"crunching" not in out and b"\x1b[" not in out
    assert out.replace(b"\r\n", b"\n") == b"result 42\n"


def test_a_payroll_load_through_a_pipe_prints_no_progress(records_env: Path, tmp_path: Path) -> None:  # noqa: F811
    """The real command, piped: its output is its report, with no spinner frames or carriage returns."""
    path = write_csv(tmp_path / "hand.csv", HAND_ROWS)
    proc = subprocess.run([sys.executable, "-m", "pilotwatch.cli", "ingest", "payroll_records", str(path)],
                          capture_output=True, env=_env(), timeout=300)
    assert proc.returncode == 0, proc.stderr.decode()
    assert b"loaded: 16 accepted, 0 rejected" in proc.stdout
    for noise in (b"\r", b"\x1b[", b"payroll records " + str(path).encode()):
        assert noise not in proc.stdout and noise not in proc.stderr, noise

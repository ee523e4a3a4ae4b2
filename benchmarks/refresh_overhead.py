"""How much does pilotwatch add on top of Prefect itself? (issue 2)

Three commands, each started as a fresh process the way a data engineer starts the refresh, each
repeated ``--repeat`` times (median wall time):

- ``refresh``: ``pilotwatch refresh --force`` on the bundled data (the whole annual refresh);
- ``plain``:   the same steps as plain Python, no Prefect (the work itself);
- ``floor``:   a trivial three-task Prefect flow (the orchestrator's fixed cost).

With no ``PREFECT_API_URL`` every Prefect process starts a temporary server; with
``--server URL`` (a running ``prefect server start``) it does not. Usage::

    python -m benchmarks.refresh_overhead [--repeat 3] [--server http://127.0.0.1:4200/api]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS = {
    "refresh": [sys.executable, "-m", "pilotwatch.cli", "refresh", "--force"],
    "plain": [sys.executable, "-m", "benchmarks.plain_refresh"],
    "floor": [sys.executable, "-m", "benchmarks.trivial_flow"],
}


def timed(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{r.stderr[-3000:]}")
    return elapsed


def run(repeat: int, server: str | None) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, PILOTWATCH_DB=str(Path(tmp) / "bench.duckdb"), PREFECT_HOME=str(Path(tmp) / "ph"))
        env.pop("PREFECT_API_URL", None)
        if server:
            env["PREFECT_API_URL"] = server
        subprocess.run(COMMANDS["plain"], env=env, check=True, capture_output=True)  # warm the file cache
        times: dict[str, list[float]] = {k: [] for k in COMMANDS}
        for _ in range(repeat):
            for name, cmd in COMMANDS.items():  # interleaved, so drift hits all three alike
                times[name].append(timed(cmd, env))
    return {k: statistics.median(v) for k, v in times.items()}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--server", help="PREFECT_API_URL of a running Prefect server (default: temporary server)")
    args = ap.parse_args(argv)
    med = run(args.repeat, args.server)
    mode = f"server {args.server}" if args.server else "no server configured (temporary server per process)"
    print(f"refresh overhead, {mode}, median of {args.repeat}:")
    for k, v in med.items():
        print(f"  {k:<8} {v:7.2f} s")
    print(f"  refresh / floor = {med['refresh'] / med['floor']:.2f}x   (goal: <= 1.5x)")
    print(f"  refresh / plain = {med['refresh'] / med['plain']:.2f}x")
    print(f"  plain   / floor = {med['plain'] / med['floor']:.2f}x")


if __name__ == "__main__":
    main()

"""How much does pilotwatch add on top of Prefect itself? (issue 2)

Three commands, each started as a fresh process the way a data engineer starts the refresh, each
repeated ``--repeat`` times, interleaved; CPU time of the process and its children (what the issue's
goals are written in: wall time on a shared 2-core machine mostly measures the other load) and wall
time, min and median:

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
import resource
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


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(CPU, wall) seconds of one run of ``cmd``; CPU includes the processes it starts and waits for
    (a temporary Prefect server's, with no ``PREFECT_API_URL``)."""
    c0, t0 = _children_cpu(), time.perf_counter()
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed, cpu = time.perf_counter() - t0, _children_cpu() - c0
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{r.stderr[-3000:]}")
    return cpu, elapsed


def run(repeat: int, server: str | None) -> dict[str, dict[str, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, PILOTWATCH_DB=str(Path(tmp) / "bench.duckdb"), PREFECT_HOME=str(Path(tmp) / "ph"))
        env.pop("PREFECT_API_URL", None)
        if server:
            env["PREFECT_API_URL"] = server
        subprocess.run(COMMANDS["plain"], env=env, check=True, capture_output=True)  # warm the file cache
        times: dict[str, list[tuple[float, float]]] = {k: [] for k in COMMANDS}
        for _ in range(repeat):
            for name, cmd in COMMANDS.items():  # interleaved, so drift hits all three alike
                times[name].append(timed(cmd, env))
    return {
        k: {"cpu_min": min(c for c, _ in v), "cpu_median": statistics.median(c for c, _ in v),
            "wall_min": min(w for _, w in v), "wall_median": statistics.median(w for _, w in v)}
        for k, v in times.items()
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--server", help="PREFECT_API_URL of a running Prefect server (default: temporary server)")
    args = ap.parse_args(argv)
    res = run(args.repeat, args.server)
    mode = f"server {args.server}" if args.server else "no server configured (temporary server per process)"
    goal = 1.5 if args.server else 1.2
    print(f"refresh overhead, {mode}, seconds, min / median of {args.repeat}:")
    print(f"  {'':<8} {'CPU':>15} {'wall':>15}")
    for k, v in res.items():
        print(f"  {k:<8} {v['cpu_min']:6.2f} / {v['cpu_median']:6.2f} {v['wall_min']:6.2f} / {v['wall_median']:6.2f}")
    r, p, f = res["refresh"], res["plain"], res["floor"]
    ratio = r["cpu_median"] / f["cpu_median"]
    print(f"  refresh / floor = {r['cpu_min'] / f['cpu_min']:.2f} / {ratio:.2f}x CPU   (goal: <= {goal}x: "
          f"{'met' if ratio <= goal else 'NOT met'});  wall {r['wall_median'] / f['wall_median']:.2f}x")
    print(f"  refresh / plain = {r['cpu_median'] / p['cpu_median']:.2f}x CPU")
    print(f"  plain   / floor = {p['cpu_median'] / f['cpu_median']:.2f}x CPU")


if __name__ == "__main__":
    main()

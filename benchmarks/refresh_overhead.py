"""How much does pilotwatch add on top of Prefect itself? (issues 2 and 14)

Commands, each started as a fresh process the way a data engineer starts the refresh, each repeated
``--repeat`` times, interleaved; CPU time of the process and its children (what the issue's goals are
written in: wall time on a shared 2-core machine mostly measures the other load) and wall time, min
and median:

- ``refresh``: ``pilotwatch refresh --force`` on the bundled data (the whole annual refresh);
- ``noop``:    ``pilotwatch refresh`` right after it: every source unchanged (goal: close to the floor);
- ``plain``:   the loads as plain Python, no Prefect (the work itself);
- ``floor``:   a trivial three-task Prefect flow (the orchestrator's fixed cost).

With no ``PREFECT_API_URL`` every Prefect process starts a temporary server; with
``--server URL`` (a running ``prefect server start``) it does not. ``--baseline-tree DIR`` (a checkout
of another commit, e.g. ``git archive main | tar -x -C DIR``) adds ``refresh@base`` and ``noop@base``,
the same two commands run from that tree in the same loop, for a before/after under the same load.
Usage::

    python -m benchmarks.refresh_overhead [--repeat 3] [--server http://127.0.0.1:4200/api] [--baseline-tree DIR]
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

REFRESH = [sys.executable, "-m", "pilotwatch.cli", "refresh"]
#: name -> (argv, private warehouse): the refresh and its no-op share one warehouse, in that order.
COMMANDS = {
    "refresh": ([*REFRESH, "--force"], "bench"),
    "noop": (REFRESH, "bench"),
    "plain": ([sys.executable, "-m", "benchmarks.plain_refresh"], "plain"),
    "floor": ([sys.executable, "-m", "benchmarks.trivial_flow"], "plain"),
}


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd: list[str], env: dict[str, str], cwd: str | None = None) -> tuple[float, float]:
    """(CPU, wall) seconds of one run of ``cmd``; CPU includes the processes it starts and waits for
    (a temporary Prefect server's, with no ``PREFECT_API_URL``)."""
    c0, t0 = _children_cpu(), time.perf_counter()
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=cwd)
    elapsed, cpu = time.perf_counter() - t0, _children_cpu() - c0
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{r.stderr[-3000:]}")
    return cpu, elapsed


def _plan(tmp: Path, server: str | None, base: Path | None) -> list[tuple[str, list[str], dict[str, str], str | None]]:
    """(row, argv, environment, working directory) for every command of one round."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp / "ph")
    if server:
        env["PREFECT_API_URL"] = server
    trees = [("", None)] + ([("@base", base)] if base else [])
    plan = []
    for name, (argv, db) in COMMANDS.items():
        for suffix, tree in trees:
            if tree is not None and name not in ("refresh", "noop"):
                continue
            e = dict(env, PILOTWATCH_DB=str(tmp / f"{db}{suffix.replace('@', '_')}.duckdb"))
            if tree is not None:
                e["PYTHONPATH"] = str(tree)
            plan.append((name + suffix, argv, e, str(tree) if tree else None))
    return plan


def run(repeat: int, server: str | None, base: Path | None = None) -> dict[str, dict[str, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        plan = _plan(Path(tmp), server, base)
        for name, _, env, cwd in plan:  # warm the file cache; every warehouse starts migrated and loaded
            if name.startswith("refresh"):
                subprocess.run(COMMANDS["plain"][0], env=env, cwd=cwd, check=True, capture_output=True)
        times: dict[str, list[tuple[float, float]]] = {name: [] for name, *_ in plan}
        for _ in range(repeat):
            for name, cmd, env, cwd in plan:  # interleaved, so drift hits every row alike
                times[name].append(timed(cmd, env, cwd))
    return {
        k: {"cpu_min": min(c for c, _ in v), "cpu_median": statistics.median(c for c, _ in v),
            "wall_min": min(w for _, w in v), "wall_median": statistics.median(w for _, w in v)}
        for k, v in times.items()
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--server", help="PREFECT_API_URL of a running Prefect server (default: temporary server)")
    ap.add_argument("--baseline-tree", type=Path, help="a checkout of another commit to compare with, same loop")
    args = ap.parse_args(argv)
    res = run(args.repeat, args.server, args.baseline_tree)
    mode = f"server {args.server}" if args.server else "no server configured (temporary server per process)"
    goal = 1.5 if args.server else 1.2
    print(f"refresh overhead, {mode}, seconds, min / median of {args.repeat}; load average {os.getloadavg()[0]:.1f}:")
    print(f"  {'':<13} {'CPU':>15} {'wall':>15}  CPU / floor")
    f = res["floor"]
    for k, v in res.items():
        print(f"  {k:<13} {v['cpu_min']:6.2f} / {v['cpu_median']:6.2f} {v['wall_min']:6.2f} / {v['wall_median']:6.2f}"
              f"  {v['cpu_min'] / f['cpu_min']:.2f} / {v['cpu_median'] / f['cpu_median']:.2f}x")
    r, p = res["refresh"], res["plain"]
    ratio = r["cpu_median"] / f["cpu_median"]
    print(f"  refresh / floor = {r['cpu_min'] / f['cpu_min']:.2f} / {ratio:.2f}x CPU   (goal: <= {goal}x: "
          f"{'met' if ratio <= goal else 'NOT met'});  wall {r['wall_median'] / f['wall_median']:.2f}x")
    print(f"  refresh / plain = {r['cpu_median'] / p['cpu_median']:.2f}x CPU")
    print(f"  plain   / floor = {p['cpu_median'] / f['cpu_median']:.2f}x CPU")


if __name__ == "__main__":
    main()

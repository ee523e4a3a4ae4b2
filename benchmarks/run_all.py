"""``make bench``: every scenario against its baseline, interleaved in one loop, in one table.

Each repetition runs every scenario's pilotwatch side and then its baseline, so load that comes and
goes on a shared machine hits both alike. A sample is a fresh process (CPU = user + system time of
the child, from ``getrusage``; wall; peak RSS) unless the scenario measures inside a process (the
SEM fit, where interpreter and R start-up are excluded on both sides). The table shows, per side,
min and median CPU and wall time, the CPU ratio (min / median), the goal and whether the median
CPU ratio meets it; the same is written as JSON to ``var/bench/bench-<UTC time>.json`` beside the
warehouse (``settings.bench_dir``).

    python -m benchmarks.run_all                    # every scenario, then the long benchmarks
    python -m benchmarks.run_all --only query,help  # some scenarios (no long benchmarks)
    python -m benchmarks.run_all --quick            # one repetition each: do they run?

To add a scenario: a ``Scenario`` in ``SCENARIOS`` (or ``SCENARIOS.append(...)`` from your own
module listed in ``EXTRA_MODULES``) with two callables ``Ctx -> list[Sample]``; ``command(...)``
turns an argv into one.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

PY = sys.executable


@dataclass(frozen=True)
class Sample:
    cpu: float
    wall: float
    rss_mb: float | None = None


@dataclass
class Ctx:
    """What scenarios share: a scratch directory, an environment for child processes, set-up results."""

    tmp: Path
    env: dict[str, str]
    quick: bool
    data: dict[str, object] = field(default_factory=dict)


Runner = Callable[[Ctx], list[Sample]]


@dataclass(frozen=True)
class Scenario:
    name: str
    what: str  # the pilotwatch side, as the table prints it
    baseline_what: str
    run: Runner
    baseline: Runner
    goal: float  # the largest acceptable ratio of median CPU time
    setup: Callable[[Ctx], None] | None = None


def command(argv: Callable[[Ctx], list[str]] | list[str]) -> Runner:
    """A runner that starts ``argv`` as a fresh process and measures it (fails loudly if it fails)."""

    def run(ctx: Ctx) -> list[Sample]:
        cmd = argv(ctx) if callable(argv) else argv
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        r = subprocess.run(cmd, env=ctx.env, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if r.returncode != 0:
            raise SystemExit(f"{' '.join(map(str, cmd))} failed ({r.returncode}):\n{r.stderr[-3000:]}")
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return [Sample(cpu, wall, after.ru_maxrss / 1024 if after.ru_maxrss > before.ru_maxrss else None)]

    return run


def reported(argv: Callable[[Ctx], list[str]]) -> Runner:
    """A runner for a process that measures itself and prints one JSON ``{"cpu":…, "wall":…}`` a line."""

    def run(ctx: Ctx) -> list[Sample]:
        r = subprocess.run(argv(ctx), env=ctx.env, capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(f"{' '.join(argv(ctx))} failed:\n{r.stderr[-3000:]}")
        rows = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
        return [Sample(float(x["cpu"]), float(x["wall"])) for x in rows]

    return run


# -- set-ups ----------------------------------------------------------------------------------


def seeded_warehouse(ctx: Ctx) -> None:
    """A published warehouse with the registry (no Prefect): what query and status read."""
    if "db" in ctx.data:
        return
    subprocess.run([PY, "-c", "import warehouse\nfrom pilotwatch import registry\n"
                    "with warehouse.writer('bench') as con:\n    registry.seed(con)\n"], env=ctx.env, check=True)
    ctx.data["db"] = ctx.env["PILOTWATCH_DB"]


def survey_file(ctx: Ctx) -> None:
    """The SYNTHETIC demo export (120 respondents, the Annex G instrument), and lavaan."""
    seeded_warehouse(ctx)
    from benchmarks.survey_fit import install_lavaan

    install_lavaan()
    path = ctx.tmp / "model_test.csv"
    subprocess.run([PY, "-c", "import sys\nfrom pilotwatch.survey.demo import demo_export\n"
                    "from pilotwatch.survey.items import load_instruments\n"
                    "demo_export(load_instruments()).write_csv(sys.argv[1])", str(path)], env=ctx.env, check=True)
    ctx.data["survey_csv"] = str(path)
    from benchmarks.survey_fit import write_survey_r

    ctx.data["survey_r"] = str(write_survey_r(ctx.tmp))


def lavaan_only(ctx: Ctx) -> None:
    from benchmarks.survey_fit import install_lavaan

    install_lavaan()


# -- scenarios ----------------------------------------------------------------------------------

READ_ONLY_SELECT_1 = ("import duckdb, sys\ncon = duckdb.connect(sys.argv[1], read_only=True)\n"
                      "print(con.execute('select 1').fetchall())")


def _sem(side: str, n: int) -> Runner:
    return reported(lambda ctx: [PY, "-m", "benchmarks.survey_fit", "--emit", side, "--sizes", str(n),
                                 "--repeat", "1" if ctx.quick else "5"])


SCENARIOS: list[Scenario] = [
    Scenario("query", 'pilotwatch query "select 1"', "python -c: duckdb read-only, select 1",
             command(lambda c: [PY, "-m", "pilotwatch.cli", "query", "select 1"]),
             command(lambda c: [PY, "-c", READ_ONLY_SELECT_1, c.env["PILOTWATCH_DB"]]), 1.3, seeded_warehouse),
    Scenario("help", "pilotwatch --help", "python -c 'import duckdb'",
             command([PY, "-m", "pilotwatch.cli", "--help"]), command([PY, "-c", "import duckdb"]), 1.3),
    Scenario("status", "pilotwatch status", "python -c: duckdb read-only, select 1",
             command(lambda c: [PY, "-m", "pilotwatch.cli", "status"]),
             command(lambda c: [PY, "-c", READ_ONLY_SELECT_1, c.env["PILOTWATCH_DB"]]), 1.3, seeded_warehouse),
    *[Scenario(f"sem_fit_{n}", f"SEM fit in process, N = {n:,}", "lavaan sem() in R", _sem("python", n),
               _sem("lavaan", n), 1.0, lavaan_only) for n in (100, 1000, 10000)],
    Scenario("survey_e2e", "pilotwatch survey model_test FILE --json", "Rscript: read, 6 alphas, CFA, SEM, JSON",
             command(lambda c: [PY, "-m", "pilotwatch.cli", "survey", "model_test", str(c.data["survey_csv"]),
                                "--wave", "bench", "--json"]),
             command(lambda c: ["Rscript", str(c.data["survey_r"]), str(c.data["survey_csv"])]), 3.0, survey_file),
]
#: Modules that append their own scenarios to ``SCENARIOS`` when imported (other domains' benchmarks).
EXTRA_MODULES: list[str] = []
#: The long benchmarks that print their own tables (run after the table unless ``--only`` is given).
LONG = [
    ["benchmarks.refresh_overhead", "--repeat", "3"],
    ["benchmarks.payroll_ingest", "--repeat", "3"],
    ["benchmarks.payroll_derive"],
    ["benchmarks.payroll_refresh"],
    ["benchmarks.analysis_scale", "--repeat", "3"],
]
LONG_QUICK = [
    ["benchmarks.refresh_overhead", "--repeat", "1"],
    ["benchmarks.payroll_ingest", "--employees", "200", "--years", "2019-2020", "--bodies", "12", "--format", "parquet"],
    ["benchmarks.payroll_derive", "--employees", "200", "--years", "2019-2020", "--bodies", "12", "--repeat", "1"],
    ["benchmarks.payroll_refresh", "--employees", "200", "--years", "2019-2020", "--bodies", "12", "--repeat", "1"],
    ["benchmarks.analysis_scale", "--bodies", "25,100", "--repeat", "1"],
]


def _stats(samples: list[Sample]) -> dict[str, float]:
    cpu, wall = [s.cpu for s in samples], [s.wall for s in samples]
    rss = [s.rss_mb for s in samples if s.rss_mb]
    out = {"cpu_min": min(cpu), "cpu_median": statistics.median(cpu), "wall_min": min(wall),
           "wall_median": statistics.median(wall), "n": float(len(samples))}
    if rss:
        out["rss_mb_max"] = max(rss)
    return out


def run_scenarios(scenarios: list[Scenario], repeat: int, quick: bool) -> list[dict[str, object]]:
    with tempfile.TemporaryDirectory(prefix="pilotwatch-bench-") as tmp:
        env = dict(os.environ, PILOTWATCH_DB=str(Path(tmp) / "wh" / "pilotwatch.duckdb"),
                   PREFECT_HOME=str(Path(tmp) / "prefect"))
        # Both sides run with a bytecode cache, as any installed Python program does: with
        # PYTHONDONTWRITEBYTECODE inherited (set in some shells and CI images), every run compiled
        # pilotwatch's own modules from source (~0.03 s for `status`, more for the survey's ~70 modules)
        # while the baseline's libraries came precompiled. The cache lives in the scratch directory,
        # filled by the uncounted warm-up run, so nothing is written into the checkout.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        Path(env["PILOTWATCH_DB"]).parent.mkdir()
        ctx = Ctx(Path(tmp), env, quick)
        for s in scenarios:
            if s.setup:
                s.setup(ctx)
        samples: dict[str, tuple[list[Sample], list[Sample]]] = {s.name: ([], []) for s in scenarios}
        for s in scenarios:  # warm the file cache and first-run costs; not counted
            s.run(ctx)
            s.baseline(ctx)
        for _ in range(repeat):
            for s in scenarios:
                samples[s.name][0].extend(s.run(ctx))
                samples[s.name][1].extend(s.baseline(ctx))
    rows = []
    for s in scenarios:
        ours, base = (_stats(x) for x in samples[s.name])
        ratio_med = ours["cpu_median"] / base["cpu_median"]
        rows.append({"scenario": s.name, "pilotwatch": s.what, "baseline": s.baseline_what, "ours": ours,
                     "base": base, "ratio_cpu_min": ours["cpu_min"] / base["cpu_min"],
                     "ratio_cpu_median": ratio_med, "goal": s.goal, "met": ratio_med <= s.goal})
    return rows


def table(rows: list[dict[str, object]]) -> str:
    head = (f"{'scenario':<12} {'pilotwatch CPU min/med s':>24} {'wall med':>9} {'baseline CPU min/med s':>23} "
            f"{'wall med':>9} {'CPU ratio min/med':>18} {'goal':>6}  met")
    lines = [head, "-" * len(head)]
    for r in rows:
        o, b = r["ours"], r["base"]
        lines.append(f"{r['scenario']:<12} {o['cpu_min']:>11.3f} / {o['cpu_median']:<10.3f} {o['wall_median']:>9.3f} "
                     f"{b['cpu_min']:>10.3f} / {b['cpu_median']:<10.3f} {b['wall_median']:>9.3f} "
                     f"{r['ratio_cpu_min']:>8.2f} / {r['ratio_cpu_median']:<7.2f} {r['goal']:>5.1f}x  "
                     f"{'yes' if r['met'] else 'NO'}")
    lines.append("")
    lines += [f"  {r['scenario']:<12} {r['pilotwatch']}  vs  {r['baseline']}" for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="one repetition, small sizes: prove they run")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--only", help="comma-separated scenario names (skips the long benchmarks)")
    ap.add_argument("--no-long", action="store_true", help="skip the long benchmarks after the table")
    args = ap.parse_args(argv)
    for module in EXTRA_MODULES:
        importlib.import_module(module)
    chosen = SCENARIOS
    if args.only:
        names = set(args.only.split(","))
        unknown = names - {s.name for s in SCENARIOS}
        if unknown:
            ap.error(f"unknown scenario(s) {sorted(unknown)}; known: {[s.name for s in SCENARIOS]}")
        chosen = [s for s in SCENARIOS if s.name in names]
    repeat = 1 if args.quick else args.repeat
    load = os.getloadavg()
    rows = run_scenarios(chosen, repeat, args.quick)
    print(f"pilotwatch benchmarks, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, load average "
          f"{load[0]:.1f} at start, {os.getloadavg()[0]:.1f} at end; {repeat} interleaved repetitions")
    print(table(rows))
    from pilotwatch import settings

    out = settings.bench_dir()
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"bench-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps({"when": datetime.now(UTC).isoformat(), "cores": os.cpu_count(),
                                "load_start": load[0], "load_end": os.getloadavg()[0], "repeat": repeat,
                                "scenarios": rows}, indent=1), encoding="utf-8")
    print(f"\nwritten: {path}")
    failed = 0
    if not (args.only or args.no_long):
        for module, *rest in LONG_QUICK if args.quick else LONG:
            print(f"\n=== python -m {module} {' '.join(rest)}", flush=True)
            failed += subprocess.run([PY, "-m", module, *rest]).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())


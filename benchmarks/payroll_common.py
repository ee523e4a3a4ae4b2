"""Shared set-up of the payroll benchmarks: a national-scale synthetic warehouse, built once and reused.

``bundled.duckdb`` is the warehouse after ``pilotwatch refresh`` on the bundled data;
``national_<N>x<years>x<K>.duckdb`` is that plus ``pilotwatch ingest payroll_records`` of synthetic
records (Parquet) for N employees, the years and K bodies. Both are built by the real commands,
each in a fresh process, and kept in the work directory for the next benchmark.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

SALT = "benchmark-salt-not-a-secret"
ROOT = Path(__file__).resolve().parent.parent


def env_for(db: Path, workdir: Path) -> dict[str, str]:
    env = dict(os.environ, PILOTWATCH_DB=str(db), PREFECT_HOME=str(workdir / "prefect-home"))
    env.setdefault("PILOTWATCH_ID_SALT", SALT)
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # a busy machine can take longer than Prefect's default to start its temporary server
    env.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    return env


def pilotwatch(args: list[str], db: Path, workdir: Path) -> float:
    """Run ``pilotwatch ARGS`` as a fresh process on warehouse ``db``; its wall time."""
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "pilotwatch.cli", *args], env=env_for(db, workdir), cwd=ROOT,
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"pilotwatch {' '.join(args)} failed:\n{r.stdout[-2000:]}\n{r.stderr[-4000:]}")
    return time.perf_counter() - t0


def records_file(workdir: Path, employees: int, years: str, bodies: int, seed: int = 7) -> Path:
    from pilotwatch.synth_payroll import SynthSpec, generate, parse_years

    path = workdir / f"payroll_{employees}x{years}x{bodies}_s{seed}_b0.parquet"
    if not path.exists():
        t0 = time.perf_counter()
        r = generate(SynthSpec(employees, parse_years(years), bodies, seed), path)
        print(f"generated {r.rows:,} records in {time.perf_counter() - t0:.1f} s", flush=True)
    return path


def warehouses(workdir: Path, employees: int, years: str, bodies: int) -> tuple[Path, Path]:
    """(bundled, national) warehouse files, built if missing."""
    workdir.mkdir(parents=True, exist_ok=True)
    bundled = workdir / "bundled.duckdb"
    national = workdir / f"national_{employees}x{years}x{bodies}.duckdb"
    if not bundled.exists():
        t = pilotwatch(["refresh"], bundled, workdir)
        print(f"built {bundled.name} (pilotwatch refresh on the bundled data) in {t:.1f} s", flush=True)
    if not national.exists():
        path = records_file(workdir, employees, years, bodies)
        partial = national.with_name(national.name + ".building")
        shutil.copyfile(bundled, partial)
        t = pilotwatch(["ingest", "payroll_records", str(path)], partial, workdir)
        os.replace(partial, national)
        print(f"built {national.name} ({national.stat().st_size / 1e6:,.0f} MB; pilotwatch ingest "
              f"payroll_records) in {t:.1f} s", flush=True)
    return bundled, national

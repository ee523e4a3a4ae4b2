"""Payroll records at national scale: ingest + validate + load against DuckDB's own reader (issue 7).

Writes synthetic records (``pilotwatch synth payroll``; default 100,000 employees x 12 months x
10 years = 12 million rows, 250 bodies, a few bad rows), then runs, each as a fresh process:

- ``baseline``: DuckDB alone, ``CREATE TABLE t AS SELECT * FROM read_csv(FILE, ignore_errors=true)``
  (or ``read_parquet``) into a new database file, checkpointed — the practical limit: no
  validation, no quarantine, no ids hashed, no provenance;
- ``pilotwatch``: ``ingest_records(FILE)`` exactly as ``pilotwatch ingest payroll_records FILE``
  runs it, into a new warehouse: fetch (sha256), parse, validate (SQL + pandera in chunks +
  uniqueness), hash the ids, load in one transaction, derive, publish.

Reported per format: wall time and CPU time (user + system) of each process, the ratio of
pilotwatch's load (everything but the derivation, which the baseline does not do) to the baseline,
and the peak resident memory of each process (``ru_maxrss``). Goal: within 3x, peak under 2 GB.
Runs are interleaved (``--repeat``) and the median is reported, so drift on a shared machine hits
both alike.

``--design`` adds the two measurements behind the design (same file, same run):
- a composite primary key on (employee_id, body_code, month): the same load into a table that
  declares it, against one that does not;
- uniqueness with pandera (``unique = [employee_id, body_code, month]`` on the whole frame, what
  ``schemas/`` do for small tables) against DuckDB's ``GROUP BY ... HAVING count(*) > 1``.

Usage::

    python -m benchmarks.payroll_ingest                                  # 12M rows, CSV and Parquet
    python -m benchmarks.payroll_ingest --format csv --design
    python -m benchmarks.payroll_ingest --employees 2000 --years 2019-2020 --bodies 20   # small
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.payroll_common import ROOT, SALT


def run_child(args: list[str], env: dict[str, str] | None = None) -> dict[str, object]:
    """Run ``python -m benchmarks.payroll_ingest --child ...``; its wall, CPU, peak RSS and JSON output."""
    cmd = [sys.executable, "-m", "benchmarks.payroll_ingest", "--child", *args]
    with tempfile.TemporaryFile("w+") as fout, tempfile.TemporaryFile("w+") as ferr:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=fout, stderr=ferr, text=True, cwd=ROOT, env=env or os.environ.copy())
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - t0
        fout.seek(0)
        ferr.seek(0)
        out, err = fout.read(), ferr.read()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err[-4000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    result.update(wall=wall, cpu=usage.ru_utime + usage.ru_stime, rss_mb=usage.ru_maxrss / 1024)
    return result


# ---------------------------------------------------------------- children (one measured process each)


def child(mode: str, path: str, db: str) -> dict[str, object]:
    import duckdb

    fmt = "parquet" if path.endswith(".parquet") else "csv"
    for leftover in (Path(db), Path(db + ".wal")) if db else ():  # from an interrupted run
        leftover.unlink(missing_ok=True)
    reader = f"read_parquet('{path}')" if fmt == "parquet" else f"read_csv('{path}', ignore_errors=true)"
    if mode == "baseline":
        con = duckdb.connect(db)
        con.execute(f"CREATE TABLE t AS SELECT * FROM {reader}")
        con.execute("CHECKPOINT")
        return {"rows": con.execute("SELECT count(*) FROM t").fetchall()[0][0]}
    if mode == "pilotwatch":
        os.environ["PILOTWATCH_DB"] = db
        os.environ.setdefault("PILOTWATCH_ID_SALT", SALT)
        from pilotwatch.payroll import ingest_records

        r = ingest_records(path)
        if r.status != "loaded":
            raise SystemExit(f"load {r.status}: {r.message}")
        return {"rows": r.rows_accepted, "rejected": r.rows_rejected, "seconds": r.seconds, "cpu_seconds": r.cpu_seconds}
    if mode in ("pk", "nopk"):
        con = duckdb.connect(db)
        key = ", PRIMARY KEY (employee_id, body_code, month)" if mode == "pk" else ""
        con.execute("CREATE TABLE t (employee_id VARCHAR, body_code VARCHAR, month VARCHAR, base_salary DOUBLE, "
                    f"bonus DOUBLE{key})")
        keyed = "WHERE employee_id IS NOT NULL QUALIFY row_number() OVER (PARTITION BY employee_id, body_code, month) = 1"
        src = f"(SELECT employee_id, body_code, month, TRY_CAST(base_salary AS DOUBLE), TRY_CAST(bonus AS DOUBLE) FROM {reader} {keyed})"
        con.execute(f"CREATE TEMP TABLE s AS SELECT * FROM {src}")  # the same deduplicated rows for both
        t0 = time.perf_counter()
        con.execute("INSERT INTO t SELECT * FROM s")
        con.execute("CHECKPOINT")
        return {"insert_s": time.perf_counter() - t0}
    if mode == "pandera_unique":
        import pandera.polars as pa
        import polars as pl

        cols = ["employee_id", "body_code", "month"]
        frame = (pl.scan_parquet(path) if fmt == "parquet" else pl.scan_csv(path, infer_schema=False)).select(cols).collect()

        class Unique(pa.DataFrameModel):
            employee_id: str = pa.Field(nullable=True)
            body_code: str = pa.Field(nullable=True)
            month: str = pa.Field(nullable=True)

            class Config:
                unique = cols

        t0 = time.perf_counter()
        try:
            Unique.validate(frame, lazy=True)
            n = 0
        except pa.errors.SchemaErrors as exc:
            n = exc.failure_cases.height
        return {"check_s": time.perf_counter() - t0, "failures": n}
    if mode == "duckdb_unique":
        con = duckdb.connect()
        con.execute("SET memory_limit = '1GB'")
        t0 = time.perf_counter()
        n = con.execute(f"SELECT count(*) FROM (SELECT hash(employee_id, body_code, month) FROM {reader} "
                        "GROUP BY 1 HAVING count(*) > 1)").fetchall()[0][0]
        return {"check_s": time.perf_counter() - t0, "failures": n}
    raise SystemExit(f"unknown child mode {mode}")


# ---------------------------------------------------------------- driver


def generate(workdir: Path, employees: int, years: str, bodies: int, seed: int, bad_rows: int, fmt: str) -> Path:
    from pilotwatch.synth_payroll import SynthSpec, parse_years
    from pilotwatch.synth_payroll import generate as synth

    path = workdir / f"payroll_{employees}x{years}x{bodies}_s{seed}_b{bad_rows}.{fmt}"
    if not path.exists():
        t0 = time.perf_counter()
        r = synth(SynthSpec(employees, parse_years(years), bodies, seed, bad_rows), path)
        print(f"generated {r.rows:,} rows -> {path.name} ({path.stat().st_size / 1e6:,.0f} MB) "
              f"in {time.perf_counter() - t0:.1f} s", flush=True)
    return path


def measure(path: Path, workdir: Path, repeat: int) -> dict[str, list[dict[str, object]]]:
    runs: dict[str, list[dict[str, object]]] = {"baseline": [], "pilotwatch": []}
    for i in range(repeat):
        for mode in ("baseline", "pilotwatch"):  # interleaved
            db = workdir / f"{mode}_{i}.duckdb"
            for p in workdir.glob(db.name + "*"):
                p.unlink() if p.is_file() else shutil.rmtree(p)
            r = run_child([mode, str(path), str(db)])
            runs[mode].append(r)
            print(f"  {mode:<10} run {i + 1}: {r['wall']:6.1f} s wall, {r['cpu']:6.1f} s cpu, "
                  f"{r['rss_mb']:6.0f} MB peak", flush=True)
            for p in workdir.glob(db.name + "*"):
                p.unlink() if p.is_file() else shutil.rmtree(p)
    return runs


def summarise(fmt: str, rows: int, runs: dict[str, list[dict[str, object]]]) -> dict[str, float]:
    def med(mode: str, key: str) -> float:
        return statistics.median(float(r[key]) for r in runs[mode])  # type: ignore[arg-type]

    def step(key: str, name: str) -> float:
        return statistics.median(float(r[key].get(name, 0.0)) for r in runs["pilotwatch"])  # type: ignore[union-attr]

    derive, derive_cpu = step("seconds", "derive"), step("cpu_seconds", "derive")
    b_wall, p_wall = med("baseline", "wall"), med("pilotwatch", "wall")
    s = {
        "rows": rows, "baseline_wall": b_wall, "pilotwatch_wall": p_wall, "derive": derive,
        "load_wall": p_wall - derive, "baseline_cpu": med("baseline", "cpu"),
        "pilotwatch_cpu": med("pilotwatch", "cpu"), "load_cpu": med("pilotwatch", "cpu") - derive_cpu,
        "baseline_rss_mb": max(float(r["rss_mb"]) for r in runs["baseline"]),  # type: ignore[arg-type]
        "pilotwatch_rss_mb": max(float(r["rss_mb"]) for r in runs["pilotwatch"]),  # type: ignore[arg-type]
    }
    s["ratio_load"] = s["load_wall"] / b_wall
    s["ratio_total"] = p_wall / b_wall
    s["ratio_cpu"] = s["load_cpu"] / s["baseline_cpu"]
    steps = {k: (step("seconds", k), step("cpu_seconds", k)) for k in runs["pilotwatch"][0]["seconds"]}  # type: ignore[union-attr]
    print(f"\n{fmt.upper()}, {rows:,} rows (median of {len(runs['baseline'])}):")
    print(f"  DuckDB read_{fmt} into a table   {b_wall:7.1f} s wall  {s['baseline_cpu']:7.1f} s cpu  "
          f"{s['baseline_rss_mb']:6.0f} MB peak")
    print(f"  pilotwatch ingest payroll_records {p_wall:7.1f} s wall  {s['pilotwatch_cpu']:7.1f} s cpu  "
          f"{s['pilotwatch_rss_mb']:6.0f} MB peak")
    print("    steps, wall/cpu s: " + ", ".join(f"{k} {w:.1f}/{c:.1f}" for k, (w, c) in steps.items()))
    print(f"  ingest+validate+load / baseline = {s['ratio_load']:.2f}x wall (goal <= 3x), {s['ratio_cpu']:.2f}x cpu; "
          f"with the derivation {s['ratio_total']:.2f}x wall")
    ok = s["pilotwatch_rss_mb"] < 2048
    print(f"  peak memory {s['pilotwatch_rss_mb']:.0f} MB ({'under' if ok else 'OVER'} the 2 GB goal)")
    return s


def design(path: Path, workdir: Path) -> dict[str, float]:
    out: dict[str, float] = {}
    for mode in ("nopk", "pk"):
        db = workdir / f"{mode}.duckdb"
        r = run_child([mode, str(path), str(db)])
        out[mode] = float(r["insert_s"])  # type: ignore[arg-type]
        for p in workdir.glob(db.name + "*"):
            p.unlink() if p.is_file() else shutil.rmtree(p)
    for mode in ("duckdb_unique", "pandera_unique"):
        r = run_child([mode, str(path), ""])
        out[mode] = float(r["check_s"])  # type: ignore[arg-type]
        out[mode + "_rss_mb"] = float(r["rss_mb"])  # type: ignore[arg-type]
    print(f"\ndesign ({path.suffix[1:]}):")
    print(f"  insert the rows into a table with a composite primary key: {out['pk']:.1f} s, without: "
          f"{out['nopk']:.1f} s ({out['pk'] / out['nopk']:.1f}x)")
    print(f"  uniqueness of (employee, body, month): pandera {out['pandera_unique']:.1f} s "
          f"({out['pandera_unique_rss_mb']:.0f} MB peak), DuckDB GROUP BY {out['duckdb_unique']:.1f} s "
          f"({out['duckdb_unique_rss_mb']:.0f} MB peak) ({out['pandera_unique'] / out['duckdb_unique']:.1f}x)")
    return out


def main(argv: list[str] | None = None) -> dict[str, object]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--employees", type=int, default=100_000)
    ap.add_argument("--years", default="2015-2024")
    ap.add_argument("--bodies", type=int, default=250)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--bad-rows", type=int, default=20)
    ap.add_argument("--format", choices=["csv", "parquet", "both"], default="both")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--design", action="store_true", help="also measure a composite key and pandera uniqueness")
    ap.add_argument("--workdir", help="keep generated files here (default: a temporary directory)")
    ap.add_argument("--child", nargs=3, metavar=("MODE", "FILE", "DB"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(*args.child)))
        return {}
    tmp = None if args.workdir else tempfile.mkdtemp(prefix="pilotwatch-bench-")
    workdir = Path(args.workdir or tmp)  # type: ignore[arg-type]
    workdir.mkdir(parents=True, exist_ok=True)
    results: dict[str, object] = {}
    try:
        print(f"payroll records benchmark: {args.employees:,} employees x 12 months x {args.years}, "
              f"{args.bodies} bodies, {os.cpu_count()} cores", flush=True)
        for fmt in (["csv", "parquet"] if args.format == "both" else [args.format]):
            path = generate(workdir, args.employees, args.years, args.bodies, args.seed, args.bad_rows, fmt)
            runs = measure(path, workdir, args.repeat)
            rows = int(runs["baseline"][0]["rows"])  # type: ignore[arg-type]
            results[fmt] = summarise(fmt, rows, runs)
            if args.design:
                results[fmt + "_design"] = design(path, workdir)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    return results


if __name__ == "__main__":
    main()

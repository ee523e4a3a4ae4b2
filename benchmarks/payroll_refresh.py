"""A full refresh plus analysis on the national-scale synthetic warehouse (issue 7).

``pilotwatch refresh --force`` (every catalogued source reloaded, the analysis recomputed, the
warehouse published once) as a fresh process, on two warehouses built by
``benchmarks/payroll_common.py``:

- ``bundled``: the bundled thesis data only (the baseline);
- ``national``: the same plus 12 million synthetic payroll records of 250 bodies over 10 years and
  their derived facts (so the analysis sees 250 bodies, most with derived values only).

Each run starts from a copy of its warehouse; runs are interleaved (``--repeat``), medians printed
with the ratio. The national refresh pays for copying a much larger file to its working copy
(publishing, see README) — the copy time of the file is printed alongside.

Usage::

    python -m benchmarks.payroll_refresh --workdir /tmp/pilotwatch-bench      # reuses payroll_derive's warehouses
    python -m benchmarks.payroll_refresh --employees 2000 --years 2019-2020 --bodies 20   # small
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.payroll_common import pilotwatch, warehouses


def main(argv: list[str] | None = None) -> dict[str, float]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--employees", type=int, default=100_000)
    ap.add_argument("--years", default="2015-2024")
    ap.add_argument("--bodies", type=int, default=250)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workdir", help="keep the warehouses here for the next run (default: a temporary directory)")
    args = ap.parse_args(argv)
    tmp = None if args.workdir else tempfile.mkdtemp(prefix="pilotwatch-bench-")
    workdir = Path(args.workdir or tmp)  # type: ignore[arg-type]
    try:
        bundled, national = warehouses(workdir, args.employees, args.years, args.bodies)
        return measure(bundled, national, workdir, args.repeat)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


def measure(bundled: Path, national: Path, workdir: Path, repeat: int) -> dict[str, float]:
    import duckdb

    with duckdb.connect(str(national), read_only=True) as con:
        rec, bodies = con.execute("SELECT count(*), count(DISTINCT body_code) FROM core.payroll_records").fetchall()[0]
        facts = con.execute("SELECT count(*) FROM core.indicator_facts").fetchall()[0][0]
    print(f"refresh + analysis: national warehouse {national.stat().st_size / 1e6:,.0f} MB ({rec:,} payroll records, "
          f"{bodies} bodies, {facts:,} indicator values) vs bundled {bundled.stat().st_size / 1e6:,.1f} MB "
          f"(median of {repeat})", flush=True)
    times: dict[str, list[float]] = {"bundled": [], "national": [], "copy": []}
    for i in range(repeat):
        for name, src in (("bundled", bundled), ("national", national)):  # interleaved
            db = workdir / f"refresh_{name}.duckdb"
            shutil.copyfile(src, db)
            if name == "national":
                t0 = time.perf_counter()
                shutil.copyfile(src, workdir / "copy_probe.duckdb")
                times["copy"].append(time.perf_counter() - t0)
                (workdir / "copy_probe.duckdb").unlink()
            times[name].append(pilotwatch(["refresh", "--force"], db, workdir))
            print(f"  run {i + 1} {name:<8} {times[name][-1]:7.1f} s", flush=True)
            for p in workdir.glob(db.name + "*"):
                p.unlink() if p.is_file() else shutil.rmtree(p)
    b, n, c = (statistics.median(times[k]) for k in ("bundled", "national", "copy"))
    print(f"  pilotwatch refresh --force, bundled data only      {b:7.1f} s")
    print(f"  pilotwatch refresh --force, national-scale records {n:7.1f} s   (copying the file alone: {c:.1f} s)")
    print(f"  national / bundled = {n / b:.2f}x")
    return {"bundled": b, "national": n, "copy": c, "ratio": n / b}


if __name__ == "__main__":
    main()

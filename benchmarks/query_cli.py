"""Does the sandboxed ``pilotwatch query`` cost anything? (issue 13: query performance must not regress)

Two measurements on one published warehouse (``$PILOTWATCH_DB``, or one built by
``benchmarks.plain_refresh`` in a temporary directory), each the median of ``--repeat`` runs:

- ``cli``: ``pilotwatch query SQL --format csv`` as a fresh process, the way an analyst runs it;
- ``open``: in one process, open + query + close, with ``duckdb.connect(path, read_only=True)``
  (the connection ``query`` used before) and with ``warehouse.connect()`` (the sandbox: a new
  in-memory instance, the file attached read-only, external access off, configuration locked).

Compare before/after by running it with another checkout first on the path, e.g.
``PYTHONPATH=/path/to/old python -m benchmarks.query_cli``. Usage::

    python -m benchmarks.query_cli [--repeat 7] [--sql "select …"]
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

SQL = "select body_code, indicator, year, value from mart.indicator_values order by 1, 2, 3"


def _cli(env: dict[str, str], sql: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pilotwatch.cli", "query", sql, "--format", "csv"], env=env,
                   check=True, capture_output=True)
    return time.perf_counter() - t0


def _open(db: Path, sql: str, sandbox: bool) -> float:
    import duckdb

    import warehouse

    t0 = time.perf_counter()
    con = warehouse.connect(read_only=True, path=db) if sandbox else duckdb.connect(str(db), read_only=True)
    con.execute(sql).fetchall()
    con.close()
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--sql", default=SQL)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ)
        if "PILOTWATCH_DB" not in env:
            env["PILOTWATCH_DB"] = str(Path(tmp) / "bench.duckdb")
            subprocess.run([sys.executable, "-m", "benchmarks.plain_refresh"], env=env, check=True, capture_output=True)
        db = Path(env["PILOTWATCH_DB"])
        cli = statistics.median(_cli(env, args.sql) for _ in range(args.repeat))
        plain = statistics.median(_open(db, args.sql, sandbox=False) for _ in range(args.repeat))
        sandboxed = statistics.median(_open(db, args.sql, sandbox=True) for _ in range(args.repeat))
    print(f"pilotwatch query (process, median of {args.repeat}): {cli * 1000:.0f} ms")
    print(f"open+query+close, duckdb.connect read-only:      {plain * 1000:.1f} ms")
    print(f"open+query+close, warehouse.connect:              {sandboxed * 1000:.1f} ms ({sandboxed / plain:.2f}x)")


if __name__ == "__main__":
    main()

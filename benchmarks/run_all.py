"""Run every benchmark in turn (``make bench``); each prints its own ratios against its baseline.

Full size takes a long while on a 2-core machine (the payroll ingest generates and loads 12 million
rows twice per repeat); ``--quick`` runs each at a small size to check they work, not to measure.
The survey benchmark installs Debian's r-cran-lavaan (apt-get) if it is missing.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

FULL = [
    ["benchmarks.refresh_overhead", "--repeat", "3"],
    ["benchmarks.payroll_ingest", "--repeat", "3"],
    ["benchmarks.payroll_derive"],
    ["benchmarks.payroll_refresh"],
    ["benchmarks.survey_fit"],
]
QUICK = [
    ["benchmarks.refresh_overhead", "--repeat", "1"],
    ["benchmarks.payroll_ingest", "--employees", "200", "--years", "2019-2020", "--bodies", "12", "--format", "parquet"],
    ["benchmarks.payroll_derive", "--employees", "200", "--years", "2019-2020", "--bodies", "12", "--repeat", "1"],
    ["benchmarks.payroll_refresh", "--employees", "200", "--years", "2019-2020", "--bodies", "12", "--repeat", "1"],
]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes: prove they run, do not measure")
    args = ap.parse_args(argv)
    failed = 0
    for module, *rest in QUICK if args.quick else FULL:
        print(f"\n=== python -m {module} {' '.join(rest)}", flush=True)
        failed += subprocess.run([sys.executable, "-m", module, *rest]).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

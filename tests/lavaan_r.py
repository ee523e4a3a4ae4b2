"""lavaan as the survey tests' oracle: one way to ask whether R can run it, and to run an R script.

The survey tests (invariance, ordinal estimator) compute lavaan 0.6's numbers live on the data they
generate. Where R or its packages are missing (a developer's laptop), those tests are skipped with the
reason and the install command; CI installs them (`.ci/run`), so there they run.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

INSTALL = "apt-get install r-cran-lavaan r-cran-jsonlite"


def require_lavaan(*packages: str) -> None:
    """Skip the calling test (or fixture) unless ``Rscript`` and the R ``packages`` are installed."""
    if shutil.which("Rscript") is None:
        pytest.skip(f"Rscript is not installed: lavaan references cannot be computed here ({INSTALL})")
    libs = "; ".join(f"library({p})" for p in packages or ("lavaan",))
    probe = subprocess.run(["Rscript", "-e", f"suppressPackageStartupMessages({{{libs}}})"],
                           capture_output=True, text=True, timeout=120)
    if probe.returncode:
        pytest.skip(f"R packages {', '.join(packages)} are missing ({INSTALL}): {probe.stderr.strip()[:200]}")


def run_rscript(script: Path, *args: str, timeout: int = 600) -> str:
    """Run ``script`` with ``args``; its standard output. A failing script fails the test with R's error."""
    got = subprocess.run(["Rscript", str(script), *args], capture_output=True, text=True, timeout=timeout)
    assert got.returncode == 0, got.stderr
    return got.stdout

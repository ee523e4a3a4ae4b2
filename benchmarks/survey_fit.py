"""Fit time of the structural model (thesis Figure 10) in pilotwatch/semopy vs lavaan, same data.

    python -m benchmarks.survey_fit                 # N = 100, 1,000, 10,000; 3 repeats each
    python -m benchmarks.survey_fit --sizes 100 1000 --repeat 5
    python -m benchmarks.survey_fit --emit python --sizes 1000 --repeat 5   # one JSON line per fit
    python -m benchmarks.survey_fit --emit lavaan --sizes 1000 --repeat 5   # (what ``make bench`` runs)

Not run in CI. Installs Debian's r-cran-lavaan with apt-get when Rscript or lavaan is missing (needs
root; otherwise it says what to install). For each N it simulates Likert answers from the demo's
true model (``pilotwatch.survey.demo``), writes them to one CSV that both sides read, and reports
the median wall time of a full fit (estimates, standard errors, fit indices; for pilotwatch also the
effects) inside one process per side, so interpreter and R start-up are excluded. It also measures
the two deliberate settings of ``pilotwatch.survey.model``: the optimizer tolerance (ftol 1e-10 vs
semopy's 1e-6: time, and the distance of the chi-square from lavaan's) and BLAS threads (1 vs 2).
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

import numpy as np
import pandas as pd

from pilotwatch.survey.demo import simulate, to_likert
from pilotwatch.survey.items import load_instruments
from pilotwatch.survey.model import DEFAULT_FTOL, ModelSpec, fit

R_SCRIPT = r"""
suppressPackageStartupMessages(library(lavaan))
args <- commandArgs(trailingOnly = TRUE)
repeats <- as.integer(args[1])
model <- paste(readLines(args[2]), collapse = "\n")
for (f in args[-(1:2)]) {
  d <- read.csv(f)
  fit <- sem(model, data = d)  # warm-up, and the values to compare
  times <- sapply(seq_len(repeats), function(i) system.time(sem(model, data = d))[["elapsed"]])
  fm <- fitMeasures(fit, c("chisq", "df", "cfi", "rmsea"))
  cat(sprintf("%s\t%d\t%.6f\t%.8f\t%d\t%.6f\t%.6f\n", f, nrow(d), median(times), fm[["chisq"]],
              as.integer(fm[["df"]]), fm[["cfi"]], fm[["rmsea"]]))
}
cat(sprintf("lavaan_version\t%s\n", as.character(packageVersion("lavaan"))))
"""


EMIT_R = r"""
suppressPackageStartupMessages(library(lavaan))
args <- commandArgs(trailingOnly = TRUE)
repeats <- as.integer(args[1])
model <- paste(readLines(args[2]), collapse = "\n")
d <- read.csv(args[3])
fit <- sem(model, data = d)  # warm-up
for (i in seq_len(repeats)) {
  t <- system.time(sem(model, data = d))
  cat(sprintf('{"cpu": %.6f, "wall": %.6f}\n', t[["user.self"]] + t[["sys.self"]], t[["elapsed"]]))
}
"""

SURVEY_R = r"""
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
raw <- read.csv(args[1], check.names = FALSE, encoding = "UTF-8")
codes <- c("Полностью согласен" = 5, "Полностью согласна" = 5, "Согласен" = 4, "Согласна" = 4,
           "Нейтрально или нет мнения" = 3, "Не согласен" = 2, "Не согласна" = 2,
           "Полностью не согласен" = 1, "Полностью не согласна" = 1)
constructs <- list(L = c("L1", "L2"), S = c("S1", "S2", "S3"), HC = paste0("HC", 1:5), O = c("O1", "O2", "O3"),
                   R = c("R1", "R2", "R3"), ICS = c("ICS1", "ICS2"))
items <- c(unlist(constructs), "CC")
d <- as.data.frame(lapply(raw[items], function(x) unname(codes[as.character(x)])))
d <- na.omit(d)
alpha <- sapply(constructs, function(it) { x <- d[it]; k <- ncol(x)
  k / (k - 1) * (1 - sum(apply(x, 2, var)) / var(rowSums(x))) })
meas <- paste(sapply(names(constructs), function(c) paste(c, "=~", paste(constructs[[c]], collapse = " + "))),
              collapse = "\n")
f <- c("L", "S", "HC", "O", "R")
structural <- paste(meas, paste("CC ~", paste0("a_", f, "*", f, collapse = " + ")),
                    paste("ICS ~ b*CC +", paste0("c_", f, "*", f, collapse = " + ")),
                    paste(combn(f, 2, function(p) paste(p, collapse = " ~~ ")), collapse = "\n"),
                    paste0("tot_", f, " := c_", f, " + a_", f, "*b", collapse = "\n"), sep = "\n")
idx <- c("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "gfi", "agfi", "aic", "bic")
cfa_fit <- cfa(meas, data = d)
sem_fit <- sem(structural, data = d)
cat(toJSON(list(alpha = as.list(alpha), fit = list(cfa = as.list(fitMeasures(cfa_fit, idx)),
               sem = as.list(fitMeasures(sem_fit, idx))), estimates = parameterEstimates(sem_fit, standardized = TRUE)),
           auto_unbox = TRUE, digits = NA))
"""


def write_survey_r(directory: Path) -> Path:
    path = Path(directory) / "survey_model_test.R"
    path.write_text(SURVEY_R, encoding="utf-8")
    return path


def emit(side: str, n: int, repeat: int, seed: int) -> None:
    """Print one JSON line ``{"cpu", "wall"}`` per fit of the structural model at N = ``n``."""
    ins = load_instruments().get("model_test")
    spec = ModelSpec({k: c.items for k, c in ins.constructs.items()})
    data = likert_sample(n, seed + n)
    if side == "python":
        fit(data, spec, "sem")  # warm-up
        for _ in range(repeat):
            c0, t0 = time.process_time(), time.perf_counter()
            fit(data, spec, "sem")
            print(json.dumps({"cpu": time.process_time() - c0, "wall": time.perf_counter() - t0}), flush=True)
        return
    with tempfile.TemporaryDirectory() as tmp:
        csv, model, script = Path(tmp) / "d.csv", Path(tmp) / "m.lav", Path(tmp) / "emit.R"
        data.to_csv(csv, index=False)
        model.write_text(spec.sem() + "\n", encoding="utf-8")
        script.write_text(EMIT_R, encoding="utf-8")
        r = subprocess.run(["Rscript", str(script), str(repeat), str(model), str(csv)], capture_output=True,
                           text=True, check=True)
        sys.stdout.write(r.stdout)


def have_lavaan() -> bool:
    if not shutil.which("Rscript"):
        return False
    r = subprocess.run(["Rscript", "-e", "suppressPackageStartupMessages({library(lavaan); library(jsonlite)})"],
                       capture_output=True, text=True)
    return r.returncode == 0


def install_lavaan() -> None:
    if have_lavaan():
        return
    if os.geteuid() != 0:
        sys.exit("lavaan is missing: run `sudo apt-get install r-cran-lavaan` (Debian) and retry")
    print("installing Debian's r-cran-lavaan (apt-get) ...", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "r-cran-lavaan"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "r-cran-jsonlite"], check=True,
                   env=env)  # the end-to-end baseline writes JSON
    if not have_lavaan():
        sys.exit("r-cran-lavaan was installed but library(lavaan) still fails")


def likert_sample(n: int, seed: int) -> pd.DataFrame:
    return pd.DataFrame({k: to_likert(v) for k, v in simulate(n, seed=seed).items()})


def time_python(data: pd.DataFrame, spec: ModelSpec, repeat: int, *, ftol: float, threads: int) -> tuple[float, float]:
    fit(data, spec, "sem", ftol=ftol, threads=threads)  # warm-up (imports, first-call costs)
    times, chisq = [], float("nan")
    for _ in range(repeat):
        t0 = time.perf_counter()
        r = fit(data, spec, "sem", ftol=ftol, threads=threads)
        times.append(time.perf_counter() - t0)
        chisq = float(r.fit["chisq"])
    return statistics.median(times), chisq


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--emit", choices=["python", "lavaan"], help="only time one side; one JSON line per fit")
    args = ap.parse_args(argv)
    if args.emit:
        for n in args.sizes:
            emit(args.emit, n, args.repeat, args.seed)
        return 0
    install_lavaan()
    ins = load_instruments().get("model_test")
    spec = ModelSpec({k: c.items for k, c in ins.constructs.items()})
    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        for n in args.sizes:
            f = Path(tmp) / f"sem_{n}.csv"
            likert_sample(n, args.seed + n).to_csv(f, index=False)
            files[n] = f
        model_file = Path(tmp) / "model.lav"
        model_file.write_text(spec.sem() + "\n", encoding="utf-8")
        script = Path(tmp) / "bench.R"
        script.write_text(R_SCRIPT, encoding="utf-8")
        out = subprocess.run(["Rscript", str(script), str(args.repeat), str(model_file),
                              *[str(files[n]) for n in args.sizes]], capture_output=True, text=True, check=True)
        lav: dict[int, tuple[float, float]] = {}
        version = "?"
        for line in out.stdout.splitlines():
            parts = line.split("\t")
            if parts[0] == "lavaan_version":
                version = parts[1]
            elif len(parts) == 7:
                lav[int(parts[1])] = (float(parts[2]), float(parts[3]))
        print(f"structural model: 19 items, 58 free parameters; lavaan {version}; median of {args.repeat} "
              f"runs; {os.cpu_count()} cores")
        print(f"{'N':>7} {'pilotwatch s':>13} {'lavaan s':>9} {'ratio':>6} {'chisq pw':>12} {'chisq lavaan':>13} "
              f"{'|diff|':>9} {'ftol=1e-6 s':>11} {'|diff| 1e-6':>11} {'2 threads s':>11}")
        for n in args.sizes:
            data = pd.read_csv(files[n]).astype(float)
            t_py, chi_py = time_python(data, spec, args.repeat, ftol=DEFAULT_FTOL, threads=1)
            t_loose, chi_loose = time_python(data, spec, args.repeat, ftol=1e-6, threads=1)
            t_two, _ = time_python(data, spec, args.repeat, ftol=DEFAULT_FTOL, threads=2)
            t_r, chi_r = lav[n]
            print(f"{n:>7} {t_py:>13.3f} {t_r:>9.3f} {t_py / t_r:>6.1f} {chi_py:>12.4f} {chi_r:>13.4f} "
                  f"{abs(chi_py - chi_r):>9.2e} {t_loose:>11.3f} {abs(chi_loose - chi_r):>11.2e} {t_two:>11.3f}")
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())

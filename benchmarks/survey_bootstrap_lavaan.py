"""Produce the lavaan reference of ``tests/survey/test_survey_bootstrap.py``: the same resamples refitted by lavaan.

    python -m benchmarks.survey_bootstrap_lavaan            # writes tests/data/bootstrap_*.{csv,json}

Not run in CI (needs ``Rscript`` with lavaan; Debian's ``r-cran-lavaan`` 0.6.14 was used). Steps:

1. a sample of 100 Likert respondents from the demo's true model (``pilotwatch.survey.demo``, seed
   ``SAMPLE_SEED``) -> ``tests/data/bootstrap_sample.csv``;
2. ``DRAWS`` resamples from ``transforms.survey.bootstrap.resample_indices`` (seed ``SEED``), the very
   row indices pilotwatch uses -> ``tests/data/bootstrap_indices.csv`` (one resample per row, 0-based);
3. R: ``sem()`` of the structural model (labels a_F, b, c_F; ``ind_F := a_F*b``, ``tot_F := c_F + a_F*b``)
   refitted with lavaan's defaults on every resample; the free estimates of each refit become the fit's
   bootstrap matrix (``fit@boot$coef``) of a fit made with ``se = "bootstrap"``, so that lavaan's own
   ``parameterEstimates(boot.ci.type = "perc" | "bca.simple")`` computes the intervals from exactly
   these resamples -> ``tests/data/bootstrap_lavaan.json`` (per-resample ``ind``/``tot`` values, the
   full-sample estimates and both intervals, lavaan's version).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from pilotwatch.survey.demo import simulate, to_likert
from pilotwatch.survey.items import load_instruments
from pilotwatch.survey.model import ModelSpec
from transforms.survey.bootstrap import resample_indices

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
SAMPLE_SEED = 7
SEED = 1
DRAWS = 200
N = 100

R_SCRIPT = r"""
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
idx <- as.matrix(read.csv(args[2], header = FALSE)) + 1L
model <- paste(readLines(args[3]), collapse = "\n")
f <- c("L", "S", "HC", "O", "R")
model <- paste(model, paste0("ind_", f, " := a_", f, "*b", collapse = "\n"),
               paste0("tot_", f, " := c_", f, " + a_", f, "*b", collapse = "\n"), sep = "\n")
fit <- sem(model, data = d, se = "bootstrap", bootstrap = 2L)
coefs <- t(apply(idx, 1, function(i) {
  r <- try(sem(model, data = d[i, ], se = "none"), silent = TRUE)
  if (inherits(r, "try-error") || !lavInspect(r, "converged")) return(rep(NA_real_, length(coef(fit))))
  coef(r)
}))
failed <- which(!complete.cases(coefs))
boot <- coefs
attr(boot, "error.idx") <- if (length(failed)) failed else NULL
fit@boot$coef <- boot
defs <- t(apply(coefs, 1, fit@Model@def.function))
ci <- function(type) {
  pe <- parameterEstimates(fit, boot.ci.type = type, level = 0.95)
  pe <- pe[pe$op == ":=", ]
  setNames(lapply(seq_len(nrow(pe)), function(k) c(pe$ci.lower[k], pe$ci.upper[k])), pe$lhs)
}
pe <- parameterEstimates(fit)
est <- setNames(as.list(pe$est[pe$op == ":="]), pe$lhs[pe$op == ":="])
cat(toJSON(list(lavaan = as.character(packageVersion("lavaan")), failed = failed, estimates = est,
                draws = as.data.frame(defs), perc = ci("perc"), bca_simple = ci("bca.simple")),
           digits = NA, auto_unbox = TRUE))
"""


def spec() -> ModelSpec:
    ins = load_instruments().get("model_test")
    return ModelSpec({k: c.items for k, c in ins.constructs.items()})


def sample() -> pd.DataFrame:
    cont = simulate(N, seed=SAMPLE_SEED)
    return pd.DataFrame({i: to_likert(cont[i]) for i in spec().items()})


def main() -> None:
    DATA.mkdir(exist_ok=True)
    data = sample()
    data.to_csv(DATA / "bootstrap_sample.csv", index=False)
    idx = np.vstack(list(resample_indices(N, DRAWS, SEED)))
    np.savetxt(DATA / "bootstrap_indices.csv", idx, fmt="%d", delimiter=",")
    with tempfile.TemporaryDirectory() as tmp:
        script, model = Path(tmp) / "boot.R", Path(tmp) / "m.lav"
        script.write_text(R_SCRIPT, encoding="utf-8")
        model.write_text(spec().sem() + "\n", encoding="utf-8")
        r = subprocess.run(["Rscript", str(script), str(DATA / "bootstrap_sample.csv"),
                            str(DATA / "bootstrap_indices.csv"), str(model)],
                           capture_output=True, text=True, check=False)
    if r.returncode:
        raise SystemExit(r.stderr[-3000:])
    doc = json.loads(r.stdout)
    doc["script"] = "benchmarks/survey_bootstrap_lavaan.py"
    (DATA / "bootstrap_lavaan.json").write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    print(f"lavaan {doc['lavaan']}: {DRAWS} resamples, {len(doc['failed'])} failed; wrote {DATA}/bootstrap_*")


if __name__ == "__main__":
    main()

"""``--bootstrap N``: bootstrap intervals for the indirect and total effects, and how they are shown.

The resampling and the intervals are pure (``transforms.survey.bootstrap``); this module only hands
them the fitted structural model and turns the result into the JSON entries, the text lines and the
``boot_*`` columns of ``mart.survey_estimates``. Without ``--bootstrap`` none of this runs and the
outputs are what they were: no ``bootstrap`` key in the JSON, NULL ``boot_*`` columns.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any

import pandas as pd

from pilotwatch.survey.model import ModelResult, ModelSpec, limit_threads, ram_model

if TYPE_CHECKING:  # the resampling is imported by ``run`` only: every survey command shows results, few resample
    from transforms.survey.bootstrap import BootstrapResult

__all__ = ["columns", "json_entries", "run", "summary", "text_lines"]

#: The ``boot_*`` columns added to ``core.survey_estimates`` (migration 062), NULL without a bootstrap.
COLUMNS = ["boot_lo", "boot_hi", "boot_bc_lo", "boot_bc_hi", "boot_level", "boot_draws", "boot_failed", "boot_seed"]
#: Converging refits take 5-10 Newton steps; a resample that is still moving after this many is
#: an improper solution drifting away (a variance running to minus infinity): counted as failed.
MAX_ITER = 100


def run(data: pd.DataFrame, spec: ModelSpec, result: ModelResult, draws: int, seed: int | None,
        threads: int | None, ftol: float, estimator: str = "ml") -> tuple[BootstrapResult | None, list[str]]:
    """Bootstrap the fitted structural model ``result`` on ``data`` (the respondents it was fitted on,
    listwise). Returns the result (None when it cannot run) and warnings to print."""
    from transforms.survey.bootstrap import DEFAULT_SEED, bootstrap_mediation, check_draws

    check_draws(draws)
    if estimator != "ml":
        return None, [f"bootstrap: resamples are refitted by maximum likelihood, not {estimator}; skipped"]
    if result.missing != "listwise":
        return None, ["bootstrap: only with --missing listwise (FIML refits are too slow to resample); skipped"]
    if not result.converged or not result.values:
        return None, ["bootstrap: the structural model did not converge on the full sample; skipped"]
    model = ram_model(spec, "sem")
    x = data[model.observed].apply(pd.to_numeric, errors="coerce").astype(float).dropna().to_numpy()
    factors = [c for c in spec.factors if c in spec.constructs]
    started, cpu = time.perf_counter(), time.process_time()
    with limit_threads(threads):
        boot = bootstrap_mediation(model, x, result.values, factors, draws,
                                   seed=DEFAULT_SEED if seed is None else seed, tol=ftol, max_iter=MAX_ITER)
    boot.seconds, boot.cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    warn = []
    if boot.failed:
        reasons = "; ".join(f"{k}: {v}" for k, v in sorted(boot.failures.items()))
        warn.append(f"bootstrap: {boot.failed} of {boot.draws} resamples failed and are left out of the intervals "
                    f"({reasons})")
    return boot, warn


def _num(v: float) -> float | None:
    return float(v) if math.isfinite(v) else None


def _by_effect(boot: BootstrapResult) -> dict[tuple[str, str], Any]:
    return {(i.factor, i.effect): i for i in boot.intervals}


def json_entries(estimates: list[dict[str, Any]], boot: BootstrapResult | None) -> list[dict[str, Any]]:
    """The estimate records with ``bootstrap`` added to each indirect and total effect (unchanged without one)."""
    if boot is None:
        return estimates
    found = _by_effect(boot)
    out = []
    for e in estimates:
        i = found.get((e.get("rhs"), e.get("kind"))) if e.get("op") == "effect" else None
        if i is not None:
            e = {**e, "bootstrap": {"percentile": [_num(v) for v in i.percentile],
                                    "bias_corrected": [_num(v) for v in i.bias_corrected],
                                    "level": boot.level, "draws": boot.draws, "failed": boot.failed}}
        out.append(e)
    return out


def summary(boot: BootstrapResult) -> dict[str, Any]:
    """The top-level ``bootstrap`` entry of the JSON: what was run."""
    return {"draws": boot.draws, "successful": boot.successful, "failed": boot.failed,
            "failures": dict(sorted(boot.failures.items())), "seed": boot.seed, "level": boot.level,
            "method": "nonparametric: respondents resampled with replacement, the structural model refitted "
                      "(ML, warm start); percentile and bias-corrected (lavaan bca.simple) intervals",
            "seconds": round(boot.seconds, 3), "cpu_seconds": round(boot.cpu_seconds, 3)}


def columns(estimates: pd.DataFrame, boot: BootstrapResult | None) -> pd.DataFrame:
    """``estimates`` with the ``boot_*`` columns (NULL where there is no bootstrap interval)."""
    out = estimates.copy()
    for c in COLUMNS:
        out[c] = pd.Series([None] * len(out), index=out.index, dtype="object")
    if boot is None or out.empty:
        return out
    found = _by_effect(boot)
    for k, row in out.iterrows():
        i = found.get((row["rhs"], row["kind"])) if row["op"] == "effect" and row["model"] == "sem" else None
        if i is None:
            continue
        vals = [*i.percentile, *i.bias_corrected]
        out.loc[k, COLUMNS] = [*[_num(v) for v in vals], boot.level, boot.draws, boot.failed, boot.seed]
    return out


def text_lines(doc: dict[str, Any]) -> list[str]:
    """The text report's bootstrap section (nothing without a bootstrap)."""
    b = doc.get("bootstrap")
    if not b:
        return []
    level = f"{b['level']:.0%}"
    out = [f"\nBootstrap {level} intervals of the indirect and total effects ({b['draws']} resamples, seed "
           f"{b['seed']}, {b['failed']} failed and left out; {b['seconds']} s, {b['cpu_seconds']} s of CPU)",
           f"  {'effect':<22} {'estimate':>9}  {'percentile':>21}  {'bias-corrected':>21}  excludes 0"]

    def iv(pair: list[float | None]) -> str:
        return "[" + ", ".join("-" if v is None else f"{v:.3f}" for v in pair) + "]"

    for e in doc["estimates"]:
        bs = e.get("bootstrap")
        if not bs:
            continue
        lo, hi = bs["percentile"]
        excl = "yes" if lo is not None and hi is not None and (lo > 0 or hi < 0) else "no"
        out.append(f"  {e['rhs'] + ' -> ' + e['lhs'] + ' [' + e['kind'] + ']':<22} {e['estimate']:>9.3f}  "
                   f"{iv(bs['percentile']):>21}  {iv(bs['bias_corrected']):>21}  {excl}")
    return out

"""The ordinal option of the survey model: ``--estimator dwls`` (lavaan's ``ordered = ``, ``estimator = "DWLS"``).

Glue only: the polychoric step is ``transforms.survey.polychoric``, the fit ``transforms.survey.dwls``;
this module turns their result into the same ``ModelResult`` the ML fit gives (estimates with SE, z,
p, std.all; effects; warnings), so steps, verdicts, JSON and warehouse need no second code path.

Why our own code and not semopy: semopy's WLS/DWLS objectives weight the covariances of the answer
codes by their fourth-order moments (continuous data); it has a polychoric correlation but no
thresholds' and correlations' asymptotic covariance, so it cannot reproduce lavaan's ordinal DWLS. It
would also add 1.5 s of imports to an interactive command that otherwise imports neither semopy nor
scipy.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pandas as pd

from pilotwatch.survey import model as survey_model
from transforms.survey import sem as survey_sem

Estimator = Literal["ml", "dwls", "wlsmv"]
ESTIMATORS = ("ml", "dwls", "wlsmv")
#: What ``wlsmv`` reports beyond ``dwls`` (lavaan's estimator = "WLSMV": test = "scaled.shifted").
SCALED = ("chisq_scaled", "pvalue_scaled", "scaling_factor", "shift", "baseline_chisq_scaled", "cfi_scaled",
          "tli_scaled", "rmsea_scaled")

#: Printed with every DWLS result (text report and JSON ``estimator_note``).
CAVEAT = (
    "Ordinal estimation (DWLS on polychoric correlations, lavaan's estimator = \"DWLS\" with ordered items): "
    "each five-point answer is treated as a category of an underlying normal response, not as a number. "
    "Loadings and paths are on the scale of those latent responses (each with variance 1), thresholds "
    "replace item means, and the residual variances of the items are derived (1 - explained variance), "
    "not estimated. chisq is DWLS's standard (unscaled) statistic, (N - 1) times the weighted discrepancy "
    "- not a likelihood-ratio test - so chisq, CFI, TLI and RMSEA are NOT comparable with the ML values "
    "(DWLS indices are typically more optimistic) and no scaled/robust (WLSMV) version is reported; "
    "GFI, AGFI, AIC, BIC and log-likelihoods are not defined. Standard errors are DWLS's \"standard\" "
    "ones, not robust. Complete answers only (listwise)."
)
#: Printed instead with ``--estimator wlsmv``.
CAVEAT_WLSMV = CAVEAT.replace(
    " and no scaled/robust (WLSMV) version is reported;", ";").replace(
    "Standard errors are DWLS's \"standard\" ones, not robust.",
    "WLSMV (lavaan's estimator = \"WLSMV\"): the same estimates, robust (sandwich) standard errors, and "
    "a mean-and-variance adjusted (scaled and shifted) chisq_scaled with cfi_scaled, tli_scaled, "
    "rmsea_scaled beside the standard ones; read the scaled ones.")


def fit(frame: pd.DataFrame, spec: survey_model.ModelSpec, kind: str, res: survey_model.ModelResult,
        start: dict[str, float] | None, ftol: float, *, estimator: str = "dwls") -> survey_model.ModelResult:
    """DWLS fit of the CFA or structural model to ``frame`` (complete answers; checked by the caller).
    ``wlsmv``: the same estimates with robust standard errors and the scaled-and-shifted test."""
    # imported here: every survey command reads this module's captions, only --estimator dwls|wlsmv fits
    from transforms.survey.dwls import fit_dwls
    from transforms.survey.polychoric import OrdinalDataError, polychoric

    model = survey_model.ram_model(spec, kind)
    try:
        pc = polychoric(frame[model.observed].to_numpy(float), model.observed)
    except OrdinalDataError as exc:
        res.warnings.append(f"{kind}: {exc}: ordinal model not fitted")
        return res
    for item, lev in zip(pc.items, pc.levels, strict=True):
        if len(lev) < 5:
            res.warnings.append(f"item {item} has only the answers {lev}; its thresholds are those of the "
                                "answers observed (as lavaan does), an answer nobody gave has none")
    try:
        r = fit_dwls(model, pc, warm=start, tol=min(ftol, 1e-12))
    except (np.linalg.LinAlgError, ValueError) as exc:
        res.warnings.append(f"{kind}: the ordinal model could not be fitted ({type(exc).__name__}: {exc})")
        return res
    res.converged, res.iterations = r.converged, r.iterations
    res.fit = r.fit if estimator == "wlsmv" else {k: v for k, v in r.fit.items() if k not in SCALED}
    cov = r.robust_cov if estimator == "wlsmv" else r.cov
    if not r.converged:
        res.warnings.append(f"{kind}: the optimizer did not converge ({r.message}); estimates are not trustworthy")
    survey_model._warn_sample_size(res, kind, len(r.names))  # noqa: SLF001 - same rule as ML (thresholds aside)
    res.values = dict(zip(r.names, (float(v) for v in r.x), strict=True))
    se = np.sqrt(np.clip(np.diag(cov), 0, None)) if cov is not None else np.full(len(r.names), np.nan)
    if cov is None:
        res.warnings.append(f"{kind}: the weighted information matrix is singular; no standard errors")
    ses = dict(zip(r.names, se, strict=True))
    std = survey_sem.standardized(model, r.full)
    full = dict(zip([p.name for p in model.free()], r.full.x, strict=True))
    rows = []
    for p in model.params:
        est = full.get(p.name, p.value)
        se_ = float(ses.get(p.name, float("nan")))
        z = est / se_ if se_ > 0 else float("nan")
        rows.append({"lhs": p.lhs, "op": p.op, "rhs": p.rhs, "kind": p.kind, "estimate": float(est), "se": se_,
                     "z": z, "p": survey_model._p(z) if p.name in ses else float("nan"),  # noqa: SLF001
                     "std_estimate": float(std[p.name])})
        if p.kind == "variance" and est < 0:
            res.warnings.append(f"{kind}: negative variance estimate for {p.lhs} ({est:.3f}): a Heywood case, "
                                "the model is improper for these data")
    gamma_t = np.diag(pc.gamma)[: pc.n_thresholds]
    for (item, t), tau, g in zip(pc.threshold_names(), np.concatenate(pc.thresholds), gamma_t, strict=True):
        se_t = math.sqrt(g / (pc.n - 1))
        rows.append({"lhs": item, "op": "|", "rhs": t, "kind": "threshold", "estimate": float(tau), "se": se_t,
                     "z": tau / se_t, "p": survey_model._p(tau / se_t), "std_estimate": float(tau)})  # noqa: SLF001
    res.estimates = pd.DataFrame(rows, columns=survey_model.EST_COLUMNS)
    if kind == "sem" and cov is not None:
        res.effects = survey_model._effects(spec, r.names, r.x, cov, res.estimates)  # noqa: SLF001
    return res

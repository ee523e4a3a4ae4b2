"""Diagonally weighted least squares (DWLS) on polychoric correlations (pure numpy).

Why: with ordinal items (``transforms.survey.polychoric``) the model is fitted to the polychoric
correlations ``r`` rather than to the covariances of the answer codes, by minimising

    F_DWLS(theta) = sum_k w_k (r_k - sigma_k(theta))^2,    w_k = 1 / Gamma_kk

over the correlations below the diagonal (lavaan's ``estimator = "DWLS"`` with ``ordered = ...``;
Muthen, du Toit & Spisic 1997). The thresholds are free parameters too, but without covariates or
constraints their estimates equal the sample thresholds and add nothing to F, so they are reported
as estimated in step 1 (standard error ``sqrt(Gamma_tt / N)``, as lavaan's).

Model: the same RAM model as ML (``transforms.survey.sem``), in lavaan's default "delta"
parameterisation: every latent response ``y*`` has variance 1, so the residual variance of each
observed item is not a free parameter but ``1 - (explained variance)`` (for an item that is also a
predictor, like the mediator CC, it propagates downstream). ``Sigma`` is linear in those residual
variances ``psi``: ``diag Sigma = base + M psi`` with ``M_ik = C_ik^2``, so ``psi = M^-1 (1 - base)``
exactly, and ``d psi / d theta = -M^-1 d(diag Sigma)/d theta``, which gives the analytic Jacobian
``Delta`` of the correlations. The optimizer is Gauss-Newton, ``(Delta' W Delta) step = Delta' W e``,
with step halving; the standard errors are lavaan's ``se = "standard"`` for DWLS,
``(Delta' W Delta)^-1 / (N - 1)``; the robust (sandwich) ones use the full Gamma.

Test statistic (lavaan's "standard", unscaled): ``chisq = (N - 1) F_DWLS`` (lavaan 0.6 uses N - 1
here, and in the standard errors ``(Delta' W Delta)^-1 / (N - 1)``); df = correlations - free
parameters other than thresholds; baseline (independence) ``chisq_b = (N - 1) sum w_k r_k^2`` on
``p(p-1)/2`` df; CFI, TLI and RMSEA from these with the ML formulas (``transforms.survey.fit``), RMSEA
with N - 1: ``sqrt(max(chisq - df, 0) / (df (N - 1)))``.
GFI/AGFI, log-likelihoods, AIC and BIC are likelihood-based and not defined here.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass

import numpy as np

from transforms.survey import sem
from transforms.survey.fit import _indices
from transforms.survey.polychoric import Polychoric


@dataclass
class DwlsFit:
    names: list[str]  # free parameters other than the thresholds and the derived residual variances
    x: np.ndarray
    full: sem.MlFit  # every RAM parameter (residual variances filled in), for std.all
    fmin: float  # F_DWLS at the estimate (lavaan's fmin is half of it)
    converged: bool
    iterations: int
    message: str
    cov: np.ndarray | None  # (Delta' W Delta)^-1 / (N - 1)
    robust_cov: np.ndarray | None  # sandwich with the full Gamma (lavaan's se = "robust.sem")
    fit: dict[str, float | None]


def _split(model: sem.RamModel) -> tuple[list[int], list[int]]:
    """Positions (in ``model.free()``) of the structural parameters and of the observed residual
    variances, which the delta parameterisation derives."""
    obs = set(model.observed)
    derived = [k for k, p in enumerate(model.free()) if p.kind == "variance" and p.lhs in obs]
    return [k for k in range(len(model.free())) if k not in set(derived)], derived


class _Delta:
    """Implied correlations and their Jacobian for a model with derived residual variances."""

    def __init__(self, model: sem.RamModel) -> None:
        self.model = model
        self.struct, self.derived = _split(model)
        free = model.free()
        self.derived_var = [model.observed.index(free[k].lhs) for k in self.derived]
        p = len(model.observed)
        self.rows, self.cols = np.tril_indices(p, -1)
        order = sorted(range(len(self.rows)), key=lambda k: (self.cols[k], self.rows[k]))
        self.rows, self.cols = self.rows[order], self.cols[order]  # lavaan's vech order

    def expand(self, xs: np.ndarray) -> tuple[np.ndarray, tuple, np.ndarray]:
        full = np.zeros(len(self.model.free()))
        full[self.struct] = xs
        sigma0, m, _, _ = sem.implied(self.model, full)
        mm = m[:, self.derived_var] ** 2  # d diag(Sigma) / d psi
        mm = mm[self.derived_var]
        psi = np.linalg.solve(mm, 1 - np.diag(sigma0)[self.derived_var])
        full[self.derived] = psi
        return full, sem.implied(self.model, full), mm

    def sigma_and_jacobian(self, xs: np.ndarray, *, derived_fixed: bool = False
                           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple]:
        """``derived_fixed``: leave out ``d psi / d theta`` (lavaan 0.6-14's Jacobian; see ``standard_cov``)."""
        full, imp, mm = self.expand(xs)
        sigma, m, w, _ = imp
        jac = sem.jacobian(self.model, m, w)
        js, jd = jac[self.struct], jac[self.derived]
        diag_s = js[:, self.derived_var, self.derived_var]  # (qs, nd)
        dpsi = -np.linalg.solve(mm, diag_s.T)  # (nd, qs)
        total = js if derived_fixed else js + np.einsum("kq,kab->qab", dpsi, jd)
        return full, sigma[self.rows, self.cols], total[:, self.rows, self.cols].T, imp


def fit_dwls(model: sem.RamModel, pc: Polychoric, *, warm: dict[str, float] | None = None,
             tol: float = 1e-12, max_iter: int = 500) -> DwlsFit:
    """Fit ``model`` to the polychoric correlations of ``pc`` (its items must be ``model.observed``)."""
    if list(pc.items) != list(model.observed):
        raise ValueError(f"polychoric items {pc.items} are not the model's observed variables {model.observed}")
    d = _Delta(model)
    nth = pc.n_thresholds
    w = pc.weights()[nth:]
    r = pc.corr[d.rows, d.cols]
    x = sem.start_values(model, pc.corr, warm)[d.struct]

    def objective(xs: np.ndarray) -> float | None:
        try:
            _, imp, _ = d.expand(xs)
        except np.linalg.LinAlgError:
            return None
        e = r - imp[0][d.rows, d.cols]
        return float(e @ (w * e))

    f = objective(x)
    if f is None:
        raise np.linalg.LinAlgError("the starting values do not give a model-implied correlation matrix")
    converged, message, it = False, "iteration limit reached", 0
    for it in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        _, sig, jac, _ = d.sigma_and_jacobian(x)
        e = r - sig
        info = jac.T @ (w[:, None] * jac)
        grad = jac.T @ (w * e)
        try:
            step = np.linalg.solve(info, grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(info, grad, rcond=None)[0]
        t = 1.0
        while t > 1e-10:
            fn = objective(x + t * step)
            if fn is not None and fn <= f + 1e-15 * max(1.0, f):
                break
            t /= 2
        else:
            message = "no step decreases the discrepancy"
            break
        x, change, f = x + t * step, f - fn, fn
        if change <= tol * max(1.0, f) and float(np.abs(grad).max()) < math.sqrt(tol):
            converged, message = True, "converged"
            break
    full, sig, jac, imp = d.sigma_and_jacobian(x)
    n = pc.n - 1  # lavaan's DWLS uses N - 1 in the test statistic and the standard errors
    cov = robust = None
    try:
        bread = np.linalg.inv(jac.T @ (w[:, None] * jac))
        cov = bread / n
        wj = w[:, None] * jac
        robust = bread @ wj.T @ pc.gamma[nth:, nth:] @ wj @ bread / n
    except np.linalg.LinAlgError:
        pass
    ml_like = sem.MlFit(full, imp[0], f, converged, it, message, None, imp[3])
    names = [model.free()[k].name for k in d.struct]
    out = indices(pc, f, len(names))
    with contextlib.suppress(np.linalg.LinAlgError):  # no scaled test, the standard one stands
        out |= scaled_shifted(pc, jac, out)
    return DwlsFit(names, x, ml_like, f, converged, it, message, cov, robust, out)


def _shift(u: np.ndarray, gamma: np.ndarray, stat: float, df: float) -> tuple[float, float, float]:
    """Mean-and-variance adjustment (Asparouhov & Muthen 2010): ``a = sqrt(df / tr((U Gamma)^2))``,
    ``b = df - a tr(U Gamma)``; the adjusted statistic ``a T + b`` is referred to chi-square(df)."""
    ug = u @ gamma
    a = math.sqrt(df / float(np.trace(ug @ ug)))
    b = df - a * float(np.trace(ug))
    return a * stat + b, a, b


def scaled_shifted(pc: Polychoric, jac: np.ndarray, std: dict[str, float | None]) -> dict[str, float | None]:
    """lavaan's WLSMV test (``test = "scaled.shifted"``) and the indices built on it (``cfi.scaled``,
    ``tli.scaled``, ``rmsea.scaled``, with N - 1). ``U = W - W Delta (Delta' W Delta)^-1 Delta' W`` on the
    correlations (the thresholds are saturated and drop out); the baseline (no parameters) has
    ``U = W``. The estimates are the DWLS ones: WLSMV differs from DWLS only in the test and in the
    (robust) standard errors."""
    nth = pc.n_thresholds
    w = np.diag(pc.weights()[nth:])
    g = pc.gamma[nth:, nth:]
    df, df_b = float(std["df"] or 0), float(std["baseline_df"] or 0)
    if df <= 0:
        return {}
    u = w - w @ jac @ np.linalg.inv(jac.T @ w @ jac) @ jac.T @ w
    t, a, b = _shift(u, g, float(std["chisq"] or 0.0), df)
    t_b, _, _ = _shift(w, g, float(std["baseline_chisq"] or 0.0), df_b)
    sc = _indices(t, int(df), t_b, int(df_b), pc.n - 1)
    return {"chisq_scaled": t, "pvalue_scaled": sc["pvalue"], "scaling_factor": 1 / a, "shift": b,
            "baseline_chisq_scaled": t_b, "cfi_scaled": sc["cfi"], "tli_scaled": sc["tli"],
            "rmsea_scaled": sc["rmsea"]}


def standard_cov(model: sem.RamModel, pc: Polychoric, x: np.ndarray, *, derived_fixed: bool = False) -> np.ndarray:
    """``(Delta' W Delta)^-1 / (N - 1)`` at ``x``. ``derived_fixed=True`` reproduces lavaan 0.6-14, whose
    Jacobian treats the derived residual variances as constants: identical for every parameter
    unless an ordinal item is itself a predictor (the mediator CC), where lavaan's SEs of the paths
    into the outcome differ (by up to 7 % in the tests); pilotwatch uses the exact Jacobian, checked
    against finite differences."""
    d = _Delta(model)
    _, _, jac, _ = d.sigma_and_jacobian(x, derived_fixed=derived_fixed)
    w = pc.weights()[pc.n_thresholds:]
    return np.linalg.inv(jac.T @ (w[:, None] * jac)) / (pc.n - 1)


def indices(pc: Polychoric, fmin: float, npar: int) -> dict[str, float | None]:
    """lavaan's standard (unscaled) DWLS test and the indices built on it; ``npar`` excludes thresholds."""
    nth = pc.n_thresholds
    p = len(pc.items)
    rows, cols = np.tril_indices(p, -1)
    order = sorted(range(len(rows)), key=lambda k: (cols[k], rows[k]))
    r = pc.corr[rows[order], cols[order]]
    w = pc.weights()[nth:]
    df_b = p * (p - 1) // 2
    n1 = pc.n - 1  # lavaan 0.6 uses N - 1 for DWLS in chisq and RMSEA (checked against it in the tests)
    out = _indices(n1 * fmin, df_b - npar, float(n1 * (w * r * r).sum()), df_b, n1)
    out.update(npar=float(npar + nth), ntotal=float(pc.n), fmin=fmin / 2, gfi=None, agfi=None, aic=None, bic=None,
               logl=None, unrestricted_logl=None)  # likelihood-based: not defined for DWLS
    return out

"""Fit indices of a covariance-structure model, computed here, the way lavaan computes them (pure).

semopy's own ``calc_stats`` differs from lavaan (the reference implementation; AMOS agrees with
it) on several indices, so pilotwatch computes every index it reports from the sample covariance
``S`` (ML, divisor N), the model-implied covariance ``Sigma``, N and the number of free parameters:

========  ==========================================================================================
chisq     N * F_ML, F_ML = log|Sigma| + tr(S Sigma^-1) - log|S| - p   (lavaan: N, not N-1)
df        p(p+1)/2 - npar (complete data; + p moments and p intercepts with FIML means)
baseline  independence model: chisq_b = N * (sum(log diag S) - log|S|), df_b = p(p-1)/2
CFI       1 - max(chisq-df, 0) / max(chisq-df, chisq_b-df_b, 0)
TLI       ((chisq_b/df_b) - (chisq/df)) / ((chisq_b/df_b) - 1)
RMSEA     sqrt(max(chisq-df, 0) / (df * N))   (lavaan's N; semopy uses N-1)
GFI       1 - tr[(Sigma^-1 S - I)^2] / tr[(Sigma^-1 S)^2]   (Joreskog-Sorbom ML GFI, as AMOS and
          lavaan <= 0.6 print "gfi"; lavaan >= 0.7 calls it "gfi_lisrel")
AGFI      1 - (p(p+1)/2 / df) * (1 - GFI)
logl      -N/2 * (p log 2pi + log|Sigma| + tr(S Sigma^-1))   (means saturated)
AIC, BIC  -2 logl + 2 npar,  -2 logl + npar log N   (semopy's AIC/BIC use another likelihood)
CMIN/DF   chisq / df;  NFI (chisq_b - chisq)/chisq_b;  IFI (chisq_b - chisq)/(chisq_b - df)
========  ==========================================================================================

With missing answers fitted by full-information ML (FIML) the chi-square is the likelihood-ratio
statistic against the saturated model estimated by EM, the baseline is the FIML independence model,
and the log-likelihoods are case-wise (lavaan's ``missing = "ml"``). GFI/AGFI are not defined there
(AMOS does not report them when means are estimated) and are returned as ``None``.
"""

from __future__ import annotations

import math

import numpy as np

LOG2PI = math.log(2 * math.pi)

#: Table 12 of the thesis: what counts as acceptable fit (kept with the numbers in every output).
ACCEPTABLE = {
    "chisq": "smaller is better", "pvalue": "p > .05 means exact fit is not rejected", "gfi": "> .90",
    "agfi": "> .80", "cfi": "> .90", "tli": "> .90", "ifi": "> .90", "rmsea": "< .08 acceptable, < .05 good",
    "cmin_df": "1.0 to 3.0 (up to 5.0)",
}


def chi2_sf(x: float, df: int) -> float:
    """P(X > x) for a chi-square with integer ``df`` degrees of freedom, by the closed-form series of
    the regularized upper incomplete gamma function (even df: a Poisson sum; odd df: erfc plus a
    sum). The only use of scipy here was this p-value, and importing scipy.special costs about
    0.35 s of an interactive command; ``tests/survey/test_survey_fit.py`` checks this against scipy."""
    if x <= 0:
        return 1.0
    h = x / 2
    if df % 2 == 0:
        term = total = math.exp(-h)
        for i in range(1, df // 2):
            term *= h / i
            total += term
    else:
        total = math.erfc(math.sqrt(h))
        term = math.exp(-h) * math.sqrt(h) / math.gamma(1.5)  # i = 1: h^(1/2) / Gamma(3/2)
        for i in range(1, (df + 1) // 2):
            total += term
            term *= h / (i + 0.5)
    return min(1.0, total)


def ml_discrepancy(s: np.ndarray, sigma: np.ndarray) -> float:
    p = s.shape[0]
    _, logdet_sigma = np.linalg.slogdet(sigma)
    _, logdet_s = np.linalg.slogdet(s)
    return float(logdet_sigma + np.trace(s @ np.linalg.inv(sigma)) - logdet_s - p)


def loglik_complete(s: np.ndarray, sigma: np.ndarray, n: int) -> float:
    """Normal log-likelihood of N complete cases with saturated means (lavaan's ``logl``)."""
    p = s.shape[0]
    _, logdet = np.linalg.slogdet(sigma)
    return float(-n / 2 * (p * LOG2PI + logdet + np.trace(s @ np.linalg.inv(sigma))))


def gfi_ml(s: np.ndarray, sigma: np.ndarray) -> float:
    a = np.linalg.solve(sigma, s)
    d = a - np.eye(s.shape[0])
    return float(1 - np.trace(d @ d) / np.trace(a @ a))


def _indices(chisq: float, df: int, chisq_b: float, df_b: int, n: int) -> dict[str, float | None]:
    out: dict[str, float | None] = {
        "chisq": chisq, "df": float(df), "pvalue": chi2_sf(chisq, df) if df > 0 else None,
        "baseline_chisq": chisq_b, "baseline_df": float(df_b),
    }
    denom = max(chisq - df, chisq_b - df_b, 0.0)
    out["cfi"] = 1 - max(chisq - df, 0.0) / denom if denom > 0 else 1.0
    if df > 0 and df_b > 0 and chisq_b / df_b != 1:
        out["tli"] = ((chisq_b / df_b) - (chisq / df)) / ((chisq_b / df_b) - 1)
    else:
        out["tli"] = None
    out["rmsea"] = math.sqrt(max(chisq - df, 0.0) / (df * n)) if df > 0 else None
    out["cmin_df"] = chisq / df if df > 0 else None
    out["nfi"] = (chisq_b - chisq) / chisq_b if chisq_b > 0 else None
    out["ifi"] = (chisq_b - chisq) / (chisq_b - df) if chisq_b != df else None
    return out


def fit_indices(s: np.ndarray, sigma: np.ndarray, n: int, npar: int) -> dict[str, float | None]:
    """Every index for complete data (listwise deletion): see the module docstring."""
    s = np.asarray(s, float)
    sigma = np.asarray(sigma, float)
    p = s.shape[0]
    nel = p * (p + 1) // 2
    df = nel - npar
    chisq = n * ml_discrepancy(s, sigma)
    _, logdet_s = np.linalg.slogdet(s)
    chisq_b = n * (float(np.log(np.diag(s)).sum()) - logdet_s)
    out = _indices(chisq, df, chisq_b, p * (p - 1) // 2, n)
    out["gfi"] = gfi_ml(s, sigma)
    out["agfi"] = 1 - (nel / df) * (1 - out["gfi"]) if df > 0 else 1.0
    logl = loglik_complete(s, sigma, n)
    out.update(logl=logl, unrestricted_logl=loglik_complete(s, s, n), npar=float(npar), ntotal=float(n),
               aic=-2 * logl + 2 * npar, bic=-2 * logl + npar * math.log(n))
    return out


# -- missing data (FIML) ----------------------------------------------------------------------


def loglik_missing(x: np.ndarray, mu: np.ndarray, sigma: np.ndarray) -> float:
    """Case-wise normal log-likelihood of ``x`` (NaN = missing) under (mu, Sigma)."""
    total = 0.0
    obs = ~np.isnan(x)
    patterns: dict[bytes, list[int]] = {}
    for i, row in enumerate(obs):
        patterns.setdefault(row.tobytes(), []).append(i)
    for key, idx in patterns.items():
        m = np.frombuffer(key, dtype=bool)
        if not m.any():
            continue
        xs = x[np.ix_(idx, np.where(m)[0])] - mu[m]
        sg = sigma[np.ix_(m, m)]
        _, logdet = np.linalg.slogdet(sg)
        inv = np.linalg.inv(sg)
        q = np.einsum("ij,jk,ik->", xs, inv, xs)
        total += -0.5 * (len(idx) * (m.sum() * LOG2PI + logdet) + q)
    return float(total)


def em_saturated(x: np.ndarray, tol: float = 1e-10, max_iter: int = 10_000) -> tuple[np.ndarray, np.ndarray]:
    """ML means and covariance of incomplete normal data by EM (the FIML saturated model H1)."""
    n, p = x.shape
    obs = ~np.isnan(x)
    mu = np.nanmean(x, axis=0)
    sigma = np.diag(np.nanvar(x, axis=0))
    prev = -np.inf
    for _ in range(max_iter):
        t1 = np.zeros(p)
        t2 = np.zeros((p, p))
        for i in range(n):
            o, m = obs[i], ~obs[i]
            xi = x[i].copy()
            c = np.zeros((p, p))
            if m.any():
                if o.any():
                    so_inv = np.linalg.inv(sigma[np.ix_(o, o)])
                    reg = sigma[np.ix_(m, o)] @ so_inv
                    xi[m] = mu[m] + reg @ (x[i, o] - mu[o])
                    c[np.ix_(m, m)] = sigma[np.ix_(m, m)] - reg @ sigma[np.ix_(o, m)]
                else:
                    xi[m] = mu[m]
                    c[np.ix_(m, m)] = sigma[np.ix_(m, m)]
            t1 += xi
            t2 += np.outer(xi, xi) + c
        mu = t1 / n
        sigma = t2 / n - np.outer(mu, mu)
        ll = loglik_missing(x, mu, sigma)
        if abs(ll - prev) < tol * max(1.0, abs(ll)):
            break
        prev = ll
    return mu, sigma


def fit_indices_fiml(x: np.ndarray, mu: np.ndarray, sigma: np.ndarray, npar: int) -> dict[str, float | None]:
    """Indices for a FIML fit (``npar`` counts the intercepts too, as lavaan's does)."""
    n, p = x.shape
    logl = loglik_missing(x, mu, sigma)
    mu1, sigma1 = em_saturated(x)
    logl_h1 = loglik_missing(x, mu1, sigma1)
    # independence model: the likelihood factorises, so each variable's ML mean and variance are
    # its available-case ones
    mu_b = np.nanmean(x, axis=0)
    logl_b = loglik_missing(x, mu_b, np.diag(np.nanvar(x, axis=0)))
    df = p * (p + 1) // 2 + p - npar
    out = _indices(2 * (logl_h1 - logl), df, 2 * (logl_h1 - logl_b), p * (p - 1) // 2, n)
    out.update(gfi=None, agfi=None, logl=logl, unrestricted_logl=logl_h1, npar=float(npar), ntotal=float(n),
               aic=-2 * logl + 2 * npar, bic=-2 * logl + npar * math.log(n))
    return out

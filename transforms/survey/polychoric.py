"""Thresholds, polychoric correlations and their asymptotic covariance for ordinal items (pure numpy).

Why: a five-point answer is a category, not a measurement. The ordinal model assumes each answer
cuts a continuous, standard normal "latent response" ``y*`` at thresholds ``tau_1 < ... < tau_{K-1}``;
the correlation of two latent responses is the **polychoric correlation**. The structural model is
then fitted to these correlations by diagonally weighted least squares (``transforms.survey.dwls``),
as lavaan does with ``ordered = ...`` and ``estimator = "DWLS"``.

Two-step estimation, exactly as lavaan's default (``lavCor(..., ordered = )``):

1. thresholds of each item from its own margins: ``tau_k = Phi^-1(share of answers <= k)``, using
   the categories actually observed (an answer nobody gave has no threshold, as in lavaan);
2. each pair's correlation ``rho`` maximises the bivariate multinomial likelihood
   ``sum n_ab log P_ab(rho)`` with the thresholds held at step 1, where ``P_ab`` is the bivariate
   normal probability of the cell (four corners of ``Phi_2``).

Asymptotic covariance ``Gamma`` of ``sqrt(N)`` (thresholds, correlations) by Muthen (1984), lavaan's
``muthen1984``: per respondent, the scores of the univariate likelihoods w.r.t. the thresholds and
of each pair's likelihood w.r.t. its ``rho``; ``B`` = their cross-product; ``A`` = the Jacobian of the
stacked estimating equations (block lower-triangular: thresholds by the outer product of their
scores, correlations by ``sum s_rho * s_tau(bivariate)`` and ``sum s_rho^2``);
``Gamma = N A^-1 B A^-T``. DWLS weights are ``1 / diag(Gamma)``.

No scipy: ``Phi`` from ``math.erfc``, ``Phi^-1`` from ``statistics.NormalDist`` (Wichura's AS241, full
double precision), ``Phi_2`` by Sheppard's formula ``Phi_2(h, k; rho) = Phi(h) Phi(k) +
1/(2 pi) int_0^asin(rho) exp(-(h^2 + k^2 - 2 h k sin t) / (2 cos^2 t)) dt`` with 48-point
Gauss-Legendre (within 1e-12 of scipy quadrature for |rho| <= 0.99, checked in the tests).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

#: Infinite thresholds are replaced by this (Phi(10) = 1 - 8e-24): keeps the formulas finite.
BIG = 10.0
_GL_X, _GL_W = np.polynomial.legendre.leggauss(48)
_erfc = np.frompyfunc(math.erfc, 1, 1)
_INV = NormalDist().inv_cdf


class OrdinalDataError(ValueError):
    """Items that cannot be treated as ordinal (a constant item, a non-integer answer)."""


def pnorm(x: np.ndarray) -> np.ndarray:
    return 0.5 * _erfc(-np.asarray(x, float) / math.sqrt(2)).astype(float)


def dnorm(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, float)
    return np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def pbinorm(h: np.ndarray, k: np.ndarray, rho: float) -> np.ndarray:
    """``P(X <= h, Y <= k)`` for a standard bivariate normal with correlation ``rho`` (arrays h, k)."""
    h, k = np.clip(np.asarray(h, float), -BIG, BIG), np.clip(np.asarray(k, float), -BIG, BIG)
    base = pnorm(h) * pnorm(k)
    if rho == 0:
        return base
    a = math.asin(rho)
    t = a * (_GL_X + 1) / 2  # nodes on (0, asin rho)
    s, c2 = np.sin(t), np.cos(t) ** 2
    hh, kk = h[..., None], k[..., None]
    f = np.exp(-(hh * hh + kk * kk - 2 * hh * kk * s) / (2 * c2))
    return base + (f @ _GL_W) * a / 2 / (2 * math.pi)


def dbinorm(h: np.ndarray, k: np.ndarray, rho: float) -> np.ndarray:
    """Bivariate standard normal density (``d Phi_2 / d rho``); zero at infinite arguments."""
    h, k = np.clip(np.asarray(h, float), -BIG, BIG), np.clip(np.asarray(k, float), -BIG, BIG)
    r2 = 1 - rho * rho
    return np.exp(-(h * h - 2 * rho * h * k + k * k) / (2 * r2)) / (2 * math.pi * math.sqrt(r2))


@dataclass
class Polychoric:
    items: list[str]
    levels: list[list[int]]  # the answers observed, per item (their order defines the categories)
    thresholds: list[np.ndarray]  # per item, K-1 finite thresholds
    corr: np.ndarray  # p x p polychoric correlations
    gamma: np.ndarray  # asymptotic covariance of sqrt(N) (thresholds, correlations), lavaan's order
    n: int
    iterations: int  # the largest number of iterations a pair needed

    @property
    def pairs(self) -> list[tuple[int, int]]:
        """Correlation order: lavaan's ``vech`` below the diagonal, column by column."""
        p = len(self.items)
        return [(i, j) for j in range(p) for i in range(j + 1, p)]

    @property
    def n_thresholds(self) -> int:
        return sum(len(t) for t in self.thresholds)

    def threshold_names(self) -> list[tuple[str, str]]:
        return [(it, f"t{k + 1}") for it, t in zip(self.items, self.thresholds, strict=True) for k in range(len(t))]

    def weights(self) -> np.ndarray:
        """DWLS weights: ``1 / diag(Gamma)`` (lavaan's ``WLS.V`` for ``estimator = "DWLS"``)."""
        return 1.0 / np.diag(self.gamma)


def categories(data: np.ndarray, items: list[str]) -> tuple[np.ndarray, list[list[int]]]:
    """Category index (0..K-1) of every answer, by the answers observed per item; refuses what has
    no ordinal meaning with the item named."""
    if np.isnan(data).any():
        bad = [items[j] for j in np.where(np.isnan(data).any(axis=0))[0]]
        raise OrdinalDataError(f"ordinal estimation needs complete answers; missing in {bad} "
                               "(use listwise deletion first)")
    codes = np.empty(data.shape, int)
    levels = []
    for j, item in enumerate(items):
        col = data[:, j]
        if not np.all(col == np.round(col)):
            raise OrdinalDataError(f"item {item}: answers must be whole numbers (ordered categories)")
        lev = sorted({int(v) for v in col})
        if len(lev) < 2:
            raise OrdinalDataError(f"item {item}: every respondent gave the answer {lev[0]}; a constant item has "
                                   "no thresholds and no polychoric correlation (drop it or collect more answers)")
        levels.append(lev)
        codes[:, j] = np.searchsorted(lev, col.astype(int))
    return codes, levels


def _uni(codes: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Thresholds of one item and its respondents' scores ``d log P / d tau`` (N x K-1)."""
    n = len(codes)
    counts = np.bincount(codes, minlength=k)
    cum = np.cumsum(counts)[:-1] / n
    tau = np.array([_INV(c) for c in cum])
    full = np.concatenate([[-BIG], tau, [BIG]])
    prob = counts / n
    sc = np.zeros((n, k - 1))
    rows = np.arange(n)
    up, lo = codes, codes - 1  # threshold indices above / below the answer
    pc = prob[codes]
    m = up < k - 1
    sc[rows[m], up[m]] = dnorm(full[up[m] + 1]) / pc[m]
    m = lo >= 0
    sc[rows[m], lo[m]] = -dnorm(full[lo[m] + 1]) / pc[m]
    return tau, sc


def _cells(ta: np.ndarray, tb: np.ndarray, rho: float) -> tuple[np.ndarray, np.ndarray]:
    """Cell probabilities (Ka x Kb) and their derivative w.r.t. rho."""
    a = np.concatenate([[-BIG], ta, [BIG]])
    b = np.concatenate([[-BIG], tb, [BIG]])
    hh, kk = np.meshgrid(a, b, indexing="ij")
    cdf = pbinorm(hh, kk, rho)
    pdf = dbinorm(hh, kk, rho)
    cell = cdf[1:, 1:] - cdf[:-1, 1:] - cdf[1:, :-1] + cdf[:-1, :-1]
    dcell = pdf[1:, 1:] - pdf[:-1, 1:] - pdf[1:, :-1] + pdf[:-1, :-1]
    return np.clip(cell, 1e-300, None), dcell


def _pair_rho(tab: np.ndarray, ta: np.ndarray, tb: np.ndarray, start: float, tol: float) -> tuple[float, int]:
    """ML estimate of rho for a contingency table with fixed thresholds (Fisher scoring, bounded)."""
    n = tab.sum()
    rho = float(np.clip(start, -0.95, 0.95))
    for it in range(1, 101):
        cell, d = _cells(ta, tb, rho)
        score = float((tab * d / cell).sum())
        info = float(n * (d * d / cell).sum())
        step = score / info
        new = rho + step
        while abs(new) >= 0.9999:
            step /= 2
            new = rho + step
        rho = new
        if abs(step) < tol:
            return rho, it
    return rho, 100


def polychoric(data: np.ndarray, items: list[str], *, tol: float = 1e-10) -> Polychoric:
    """Thresholds, polychoric correlations and Gamma of the columns of ``data`` (answers 1..5)."""
    codes, levels = categories(np.asarray(data, float), items)
    n, p = codes.shape
    ks = [len(lv) for lv in levels]
    taus, sc_th = [], []
    for j in range(p):
        t, s = _uni(codes[:, j], ks[j])
        taus.append(t)
        sc_th.append(s)
    th_off = np.concatenate([[0], np.cumsum([k - 1 for k in ks])])
    nth = int(th_off[-1])
    pairs = [(i, j) for j in range(p) for i in range(j + 1, p)]
    corr = np.eye(p)
    sc_cor = np.zeros((n, len(pairs)))
    a21 = np.zeros((len(pairs), nth))
    worst = 0
    pearson = np.corrcoef(codes, rowvar=False)
    for q, (i, j) in enumerate(pairs):
        ci, cj = codes[:, i], codes[:, j]
        tab = np.zeros((ks[i], ks[j]))
        np.add.at(tab, (ci, cj), 1)
        rho, it = _pair_rho(tab, taus[i], taus[j], float(pearson[i, j]), tol)
        worst = max(worst, it)
        corr[i, j] = corr[j, i] = rho
        cell, d = _cells(taus[i], taus[j], rho)
        sc_cor[:, q] = (d / cell)[ci, cj]
        dti, dtj = _dcell_dtau(taus[i], taus[j], rho)
        # sum over respondents of s_rho * (bivariate score w.r.t. a threshold), summed by cell
        weight = tab * d / cell / cell
        a21[q, th_off[i]:th_off[i + 1]] = (dti * weight[None]).sum(axis=(1, 2))
        a21[q, th_off[j]:th_off[j + 1]] = (dtj * weight[None]).sum(axis=(1, 2))
    sc = np.hstack([*sc_th, sc_cor])
    b = sc.T @ sc
    a = np.zeros_like(b)
    for j in range(p):
        sl = slice(th_off[j], th_off[j + 1])
        a[sl, sl] = b[sl, sl]
    a[nth:, :nth] = a21
    a[nth:, nth:] = np.diag(np.diag(b)[nth:])
    a_inv = np.linalg.inv(a)
    gamma = n * a_inv @ b @ a_inv.T
    return Polychoric(list(items), levels, taus, corr, gamma, n, worst)


def _dcell_dtau(ta: np.ndarray, tb: np.ndarray, rho: float) -> tuple[np.ndarray, np.ndarray]:
    """``d P_ab / d tau_a,k`` (Ka-1 x Ka x Kb) and ``d P_ab / d tau_b,k`` (Kb-1 x Ka x Kb)."""
    ka, kb = len(ta) + 1, len(tb) + 1
    b = np.concatenate([[-BIG], tb, [BIG]])
    a = np.concatenate([[-BIG], ta, [BIG]])
    s = math.sqrt(1 - rho * rho)
    # d Phi_2(h, k)/dh = phi(h) Phi((k - rho h)/s): for threshold h = ta[k] of item a
    out_a = np.zeros((ka - 1, ka, kb))
    for t in range(ka - 1):
        h = ta[t]
        g = dnorm(h) * pnorm((b - rho * h) / s)  # over the b-corners
        col = g[1:] - g[:-1]  # d/dh of Phi_2(h, b_hi) - Phi_2(h, b_lo)
        out_a[t, t] += col  # h is the upper corner of row t
        out_a[t, t + 1] -= col  # and the lower corner of row t + 1
    out_b = np.zeros((kb - 1, ka, kb))
    for t in range(kb - 1):
        k = tb[t]
        g = dnorm(k) * pnorm((a - rho * k) / s)
        row = g[1:] - g[:-1]
        out_b[t, :, t] += row
        out_b[t, :, t + 1] -= row
    return out_a, out_b

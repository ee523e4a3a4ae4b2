"""Multi-group maximum likelihood with a mean structure, the way lavaan fits ``cfa(..., group=)`` (pure numpy).

Why a second engine beside ``transforms.survey.sem``: a single-group fit needs no means (they are
saturated and drop out), but measurement invariance is about what is *shared between groups* —
loadings, then item intercepts — so the model must fit every group at once, with some parameters
one number for all groups and the means modelled. This module extends the RAM model of ``sem.py``
with a vector ``m`` of means (item intercepts for observed variables, latent means for latent ones):

    per group g:   Sigma_g = F C S C' F',   mu_g = F C m        (C = (I - A)^-1)
    F_g          = log|Sigma_g| + tr(S_g Sigma_g^-1) - log|S_g| - p + (ybar_g - mu_g)' Sigma_g^-1 (ybar_g - mu_g)
    chi-square   = sum_g N_g F_g                                 (lavaan's "normal" likelihood: N_g, not N_g - 1)

An equality constraint is a parameter *shared* by the groups (one entry of the global vector
``theta``, used by each group's matrices), which is how ``group.equal`` works in lavaan and makes the
degrees of freedom come out as lavaan's: ``df = G (p(p+1)/2 + p) - npar``.

Derivatives per group, with ``M = F C``, ``W = M S C'``, ``d = ybar - mu`` and
``G = Sigma^-1 - Sigma^-1 (S + d d') Sigma^-1``: the gradient of ``F_g`` is
``tr(G dSigma_a) - 2 dmu_a' Sigma^-1 d`` and its expected Hessian ``tr(Sigma^-1 dSigma_a Sigma^-1
dSigma_b) + 2 dmu_a' Sigma^-1 dmu_b``, where ``dmu/dA_ij = M_.i (C m)_j`` and ``dmu/dm_i = M_.i``.
The optimiser is the same Fisher scoring as ``sem.fit_ml`` on ``sum_g N_g F_g``.

Fit indices (lavaan 0.6 for several groups): the baseline is the independence model fitted in each
group with its own means and variances (``chisq_b = sum_g N_g (sum log diag S_g - log|S_g|)``,
``df_b = G p(p-1)/2``), CFI and TLI from it as for one group, and RMSEA with lavaan's multi-group
correction ``sqrt(max(chisq - df, 0) / (df N)) * sqrt(G)``. ``tests/survey/test_survey_invariance.py``
checks all of it against lavaan itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from transforms.survey import sem
from transforms.survey.fit import LOG2PI, _indices


@dataclass(frozen=True)
class GroupMoments:
    """One group's sufficient statistics: N, the item means and the covariance matrix (divisor N)."""

    name: str
    n: int
    mean: np.ndarray
    cov: np.ndarray

    @classmethod
    def of(cls, name: str, x: np.ndarray) -> GroupMoments:
        x = np.asarray(x, float)
        return cls(name, len(x), x.mean(axis=0), np.cov(x, rowvar=False, bias=True))


@dataclass(frozen=True)
class Slot:
    """A parameter of one group's matrices and where its value comes from: ``key`` names an entry
    of the global vector (shared by the groups it is equal across), or is ``None`` for a fixed value."""

    param: sem.Param
    key: str | None


@dataclass
class MultiGroupModel:
    """The same RAM model in every group, with means; ``slots[g]`` are group g's parameters."""

    base: sem.RamModel
    groups: list[str]
    slots: list[list[Slot]]
    keys: list[str] = field(default_factory=list)  # the free parameters, in ``theta`` order

    @property
    def npar(self) -> int:
        return len(self.keys)

    def moments(self) -> int:
        p = len(self.base.observed)
        return len(self.groups) * (p * (p + 1) // 2 + p)


def mean_params(base: sem.RamModel, *, latent_means_free: bool) -> list[sem.Param]:
    """Intercepts of the observed variables (free) and the latent means (fixed at 0, or free)."""
    ix = base.index
    out = [sem.Param(f"{v}~1", "m", ix(v), ix(v), op="~1", lhs=v, kind="intercept") for v in base.observed]
    out += [sem.Param(f"{v}~1", "m", ix(v), ix(v), free=latent_means_free, value=0.0, op="~1", lhs=v, kind="mean")
            for v in base.latent]
    return out


def multigroup(base: sem.RamModel, groups: list[str], equal: frozenset[str] | set[str] = frozenset()) -> MultiGroupModel:
    """lavaan's multi-group model with ``meanstructure``: ``equal`` holds the kinds constrained equal
    across groups (``"loading"``, ``"intercept"``). Latent means are fixed at 0 in every group unless
    the intercepts are equal; then they are free in all groups but the first (lavaan's default)."""
    slots: list[list[Slot]] = []
    keys: list[str] = []
    scalar = "intercept" in equal
    for g, name in enumerate(groups):
        row: list[Slot] = []
        for p in base.params + mean_params(base, latent_means_free=scalar and g > 0):
            if not p.free:
                row.append(Slot(p, None))
                continue
            key = p.name if p.kind in equal else f"{p.name}@{name}"
            if key not in keys:
                keys.append(key)
            row.append(Slot(p, key))
        slots.append(row)
    return MultiGroupModel(base, list(groups), slots, keys)


def _group_matrices(model: MultiGroupModel, g: int, theta: np.ndarray,
                    pos: dict[str, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = len(model.base.variables)
    a, s, m = np.zeros((n, n)), np.zeros((n, n)), np.zeros(n)
    for sl in model.slots[g]:
        p = sl.param
        v = theta[pos[sl.key]] if sl.key is not None else p.value
        if p.matrix == "A":
            a[p.row, p.col] = v
        elif p.matrix == "S":
            s[p.row, p.col] = s[p.col, p.row] = v
        else:
            m[p.row] = v
    return a, s, m


@dataclass
class GroupState:
    sigma: np.ndarray
    mu: np.ndarray
    inv: np.ndarray
    d_sigma: np.ndarray  # (q_g, p, p): derivatives w.r.t. this group's free parameters
    d_mu: np.ndarray  # (q_g, p)
    index: np.ndarray  # positions of those parameters in theta


def group_state(model: MultiGroupModel, g: int, theta: np.ndarray, pos: dict[str, int]) -> GroupState | None:
    """Implied moments and their derivatives for group g, or ``None`` if Sigma is not positive definite."""
    a, s, mvec = _group_matrices(model, g, theta, pos)
    c = np.linalg.inv(np.eye(len(a)) - a)
    p = len(model.base.observed)
    mm = c[:p]
    sigma = (mm @ s) @ mm.T
    try:
        np.linalg.cholesky(sigma)
    except np.linalg.LinAlgError:
        return None
    w = (mm @ s) @ c.T
    cm = c @ mvec
    free = [sl for sl in model.slots[g] if sl.key is not None]
    kind = np.array([sl.param.matrix for sl in free])
    rows = np.array([sl.param.row for sl in free], int)
    cols = np.array([sl.param.col for sl in free], int)
    # every parameter at once (a Python loop over ~70 outer products per group was most of the time)
    left = mm[:, rows].T  # (q, p): M_.i
    right = np.where((kind == "A")[:, None], w[:, cols].T, mm[:, cols].T)  # W_.j for A, M_.j for S
    t = left[:, :, None] * right[:, None, :]
    d_sigma = t + np.swapaxes(t, 1, 2)
    diag = (kind == "S") & (rows == cols)
    d_sigma[diag] = t[diag]
    d_sigma[kind == "m"] = 0.0
    d_mu = np.where((kind == "A")[:, None], left * cm[cols][:, None], 0.0)
    d_mu[kind == "m"] = left[kind == "m"]
    return GroupState(sigma, mm @ mvec, np.linalg.inv(sigma), d_sigma, d_mu,
                      np.array([pos[sl.key] for sl in free], int))


def discrepancy(data: GroupMoments, st: GroupState) -> float:
    """F_ML of one group with its mean structure (0 at a saturated fit)."""
    d = data.mean - st.mu
    _, logdet = np.linalg.slogdet(st.sigma)
    _, logdet_s = np.linalg.slogdet(data.cov)
    return float(logdet + np.trace(data.cov @ st.inv) - logdet_s - len(d) + d @ st.inv @ d)


@dataclass
class MultiGroupFit:
    theta: np.ndarray
    fmin: dict[str, float]  # F_g per group at the estimate
    converged: bool
    iterations: int
    message: str
    estimates: dict[str, float]  # by key

    def chisq(self, data: list[GroupMoments]) -> float:
        return float(sum(d.n * self.fmin[d.name] for d in data))


def start_values(model: MultiGroupModel, data: list[GroupMoments], warm: dict[str, float] | None = None) -> np.ndarray:
    """``warm`` by key where given (a shared key also takes the mean of a looser fit's per-group
    values ``key@group``), else the single-group simple starts of ``sem.start_values`` in each group
    (averaged over the groups that share a parameter) and the sample means as intercepts."""
    warm = warm or {}
    got: dict[str, list[float]] = {}
    for g, gd in enumerate(data):
        simple = dict(zip([p.name for p in model.base.free()], sem.start_values(model.base, gd.cov), strict=True))
        means = dict(zip(model.base.observed, gd.mean, strict=True))
        for sl in model.slots[g]:
            if sl.key is None:
                continue
            p = sl.param
            v = simple.get(p.name, means.get(p.lhs, 0.0) if p.kind == "intercept" else 0.0)
            got.setdefault(sl.key, []).append(v)
    out = []
    for key in model.keys:
        if key in warm:
            out.append(warm[key])
            continue
        loose = [warm[k] for k in warm if k.rsplit("@", 1)[0] == key and "@" in k]
        out.append(float(np.mean(loose)) if loose else float(np.mean(got[key])))
    return np.array(out, float)


def fit_multigroup(model: MultiGroupModel, data: list[GroupMoments], *, warm: dict[str, float] | None = None,
                   tol: float = 1e-10, max_iter: int = 500) -> MultiGroupFit:
    """Minimise ``sum_g N_g F_g`` by Fisher scoring (see the module docstring); converged when the
    objective changes by less than ``tol`` (relative) and the gradient is below ``sqrt(tol)``."""
    if [d.name for d in data] != model.groups:
        raise ValueError(f"data groups {[d.name for d in data]} differ from the model's {model.groups}")
    pos = {k: i for i, k in enumerate(model.keys)}
    n_total = sum(d.n for d in data)

    def evaluate(theta: np.ndarray) -> tuple[float, list[GroupState]] | None:
        states = []
        total = 0.0
        for g, gd in enumerate(data):
            st = group_state(model, g, theta, pos)
            if st is None:
                return None
            states.append(st)
            total += gd.n / n_total * discrepancy(gd, st)
        return total, states

    theta = start_values(model, data, warm)
    got = evaluate(theta)
    if got is None and warm:
        theta = start_values(model, data)
        got = evaluate(theta)
    if got is None:
        raise np.linalg.LinAlgError("the starting values imply a covariance matrix that is not positive definite")
    f, states = got
    q = len(theta)
    converged, message, it = False, "iteration limit reached", 0
    for it in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        grad, hess = np.zeros(q), np.zeros((q, q))
        for gd, st in zip(data, states, strict=True):
            w = gd.n / n_total
            d = gd.mean - st.mu
            g_mat = st.inv - st.inv @ (gd.cov + np.outer(d, d)) @ st.inv
            k = len(st.index)
            gg = st.d_sigma.reshape(k, -1) @ g_mat.ravel() - 2 * st.d_mu @ (st.inv @ d)
            hh = sem.expected_hessian(st.inv, st.d_sigma) + 2 * st.d_mu @ st.inv @ st.d_mu.T
            grad[st.index] += w * gg
            hess[np.ix_(st.index, st.index)] += w * hh
        moved = sem.scoring_step(theta, hess, grad, f, evaluate)
        if moved is None:
            message = "no step decreases the discrepancy"
            break
        theta, (fn, states) = moved
        change, f = f - fn, fn
        if change < tol * max(1.0, abs(f)) and float(np.abs(grad).max()) < math.sqrt(tol):
            converged, message = True, "converged"
            break
    fmin = {gd.name: discrepancy(gd, st) for gd, st in zip(data, states, strict=True)}
    return MultiGroupFit(theta, fmin, converged, it, message, dict(zip(model.keys, theta.tolist(), strict=True)))


def baseline(data: list[GroupMoments]) -> tuple[float, int]:
    """The independence model in every group (own means and variances): chi-square and df."""
    chisq = 0.0
    for gd in data:
        _, logdet_s = np.linalg.slogdet(gd.cov)
        chisq += gd.n * (float(np.log(np.diag(gd.cov)).sum()) - logdet_s)
    p = len(data[0].mean)
    return chisq, len(data) * p * (p - 1) // 2


def fit_indices(model: MultiGroupModel, data: list[GroupMoments], fit: MultiGroupFit) -> dict[str, float | None]:
    """chisq, df, pvalue, CFI, TLI, RMSEA (multi-group corrected), logl, AIC, BIC, npar and N, as lavaan."""
    n = sum(d.n for d in data)
    chisq = fit.chisq(data)
    df = model.moments() - model.npar
    chisq_b, df_b = baseline(data)
    out = _indices(chisq, df, chisq_b, df_b, n)
    if out["rmsea"] is not None:
        out["rmsea"] = out["rmsea"] * math.sqrt(len(data))
    p = len(data[0].mean)
    # log-likelihood: the saturated one (means and covariances free per group) less chisq / 2
    sat = sum(-gd.n / 2 * (p * LOG2PI + np.linalg.slogdet(gd.cov)[1] + p) for gd in data)
    logl = float(sat - chisq / 2)
    out.update(logl=logl, unrestricted_logl=float(sat), npar=float(model.npar), ntotal=float(n),
               aic=-2 * logl + 2 * model.npar, bic=-2 * logl + model.npar * math.log(n))
    return out

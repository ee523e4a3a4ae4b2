"""Maximum-likelihood fit of a covariance-structure model with analytic derivatives (pure numpy).

Why not semopy here: semopy's optimizer (SLSQP) builds ``dSigma/dtheta`` one parameter at a time in
Python and needed 40-50 iterations at the tolerance that reproduces lavaan, and ``import semopy``
alone pulls in sympy and scikit-learn (about 1.5 s of CPU). The structural model of the thesis took
0.3-0.8 s to fit against lavaan's 0.06-0.18 s. This module fits the same model the way lavaan does:

Model (RAM form). Variables ``v`` = observed items, then latent constructs. ``A[i, j]`` is the
effect of ``v_j`` on ``v_i`` (loadings and regressions), ``S`` the symmetric matrix of (residual)
variances and covariances, ``F`` selects the observed variables. With ``C = (I - A)^-1``::

    Sigma(theta) = F C S C' F'                                    (= Lambda (I-B)^-1 Psi (I-B)^-T Lambda' + Theta)
    F_ML(theta)  = log|Sigma| + tr(S_obs Sigma^-1) - log|S_obs| - p   (S_obs: sample covariance, divisor N)

Derivatives, with ``M = F C`` (p x n), ``W = M S C'`` and ``G = Sigma^-1 - Sigma^-1 S_obs Sigma^-1``:
``dSigma/dA_ij = M_.i W_.j' + W_.j M_.i'``, ``dSigma/dS_ij = M_.i M_.j' (+ its transpose if i != j)``,
the gradient ``g_a = tr(G dSigma_a)`` and the expected Hessian ``H_ab = tr(Sigma^-1 dSigma_a Sigma^-1
dSigma_b)``. The optimizer is Fisher scoring (Newton with the expected Hessian, step halving when F
does not decrease), which converges in a handful of iterations from simple starting values (lavaan's
"simple" starts: half the observed variances, loadings from the covariances with the marker item) or
from a previous fit (warm start: the CFA's measurement estimates start the structural model).
Standard errors: the inverse expected information ``(N/2 H)^-1`` (lavaan's default for complete data,
N not N-1). Standardized estimates are lavaan's ``std.all``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Param:
    """One free or fixed parameter: ``matrix`` "A" (``v_row`` <- ``v_col``) or "S" (covariance)."""

    name: str
    matrix: str
    row: int
    col: int
    free: bool = True
    value: float = 0.0  # the fixed value, or a starting value (None: the default start)
    op: str = ""  # lavaan's operator as printed: =~, ~, ~~
    lhs: str = ""
    rhs: str = ""
    kind: str = ""  # loading | regression | variance | covariance


@dataclass
class RamModel:
    """Variables (observed first) and parameters of a model in RAM form."""

    observed: list[str]
    latent: list[str]
    params: list[Param] = field(default_factory=list)

    @property
    def variables(self) -> list[str]:
        return self.observed + self.latent

    def index(self, v: str) -> int:
        return self.variables.index(v)

    def free(self) -> list[Param]:
        return [p for p in self.params if p.free]


@dataclass
class MlFit:
    x: np.ndarray  # free parameter values, in ``model.free()`` order
    sigma: np.ndarray  # model-implied covariance of the observed variables
    fmin: float  # F_ML at the estimate
    converged: bool
    iterations: int
    message: str
    cov: np.ndarray | None  # covariance of the estimates (inverse expected information)
    implied_all: np.ndarray  # model-implied covariance of every variable (for std.all)


def build(
    constructs: dict[str, list[str]],
    regressions: list[tuple[str, str, str]],
    covariances: list[tuple[str, str]],
) -> RamModel:
    """A RAM model from multi-item constructs (first item's loading fixed to 1), labelled regressions
    ``(name, y, x)`` and covariances between exogenous variables; every variable gets a (residual)
    variance, as lavaan's ``sem()``/``cfa()`` do."""
    latent = [c for c, items in constructs.items() if len(items) >= 2]
    observed: list[str] = []
    for items in constructs.values():
        observed += [i for i in items if i not in observed]
    for _name, y, x in regressions:
        for v in (y, x):
            if v not in latent and v not in observed:
                observed.append(v)
    m = RamModel(observed, latent)
    ix = m.index
    for c in latent:
        for k, item in enumerate(constructs[c]):
            m.params.append(Param(f"{c}=~{item}", "A", ix(item), ix(c), free=k > 0, value=1.0, op="=~",
                                  lhs=c, rhs=item, kind="loading"))
    for name, y, x in regressions:
        m.params.append(Param(name, "A", ix(y), ix(x), op="~", lhs=y, rhs=x, kind="regression"))
    for a, b in covariances:
        m.params.append(Param(f"{a}~~{b}", "S", ix(a), ix(b), op="~~", lhs=a, rhs=b, kind="covariance"))
    for v in m.variables:
        m.params.append(Param(f"{v}~~{v}", "S", ix(v), ix(v), op="~~", lhs=v, rhs=v, kind="variance"))
    return m


def _matrices(model: RamModel, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(model.variables)
    a, s = np.zeros((n, n)), np.zeros((n, n))
    rows, cols, in_a, free, fixed = _layout(model)
    vals = np.empty(len(rows))
    vals[free] = x
    vals[~free] = fixed
    a[rows[in_a], cols[in_a]] = vals[in_a]
    s[rows[~in_a], cols[~in_a]] = vals[~in_a]
    s[cols[~in_a], rows[~in_a]] = vals[~in_a]
    return a, s


def _layout(model: RamModel) -> tuple[np.ndarray, ...]:
    """Positions of every parameter, kept on the model (a Python loop over the parameters at each of
    the thousands of evaluations of a bootstrap cost a fifth of its time). A model's parameters are
    fixed once ``build`` has made it; the count is checked in case one is appended later."""
    got = model.__dict__.get("_layout")
    if got is None or got[0] != len(model.params):
        ps = model.params
        got = (len(ps), (np.array([p.row for p in ps], int), np.array([p.col for p in ps], int),
                         np.array([p.matrix == "A" for p in ps], bool), np.array([p.free for p in ps], bool),
                         np.array([p.value for p in ps if not p.free], float)))
        model.__dict__["_layout"] = got
    return got[1]


def implied(model: RamModel, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(Sigma, M, W, V)``: observed covariance, ``F C``, ``F C S C'``, and every variable's covariance."""
    a, s = _matrices(model, x)
    c = np.linalg.inv(np.eye(len(a)) - a)
    p = len(model.observed)
    m = c[:p]
    cs = c @ s
    v = cs @ c.T
    return v[:p, :p], m, (m @ s) @ c.T, v


def jacobian(model: RamModel, m: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``dSigma/dtheta`` for every free parameter, shape (q, p, p)."""
    free = model.free()
    p = m.shape[0]
    d = np.empty((len(free), p, p))
    for k, par in enumerate(free):
        i, j = par.row, par.col
        if par.matrix == "A":
            t = np.outer(m[:, i], w[:, j])
        else:
            t = np.outer(m[:, i], m[:, j])
            if i == j:
                d[k] = t
                continue
        d[k] = t + t.T
    return d


def start_values(model: RamModel, s_obs: np.ndarray, warm: dict[str, float] | None = None) -> np.ndarray:
    """Starting values: ``warm`` (a previous fit's estimates by name) where given, else lavaan-like
    simple starts from the sample covariance."""
    ix = {v: i for i, v in enumerate(model.observed)}
    var = np.diag(s_obs)
    markers = {p.lhs: p.rhs for p in model.params if p.kind == "loading" and not p.free}
    out = []
    for p in model.free():
        if warm and p.name in warm:
            out.append(warm[p.name])
            continue
        if p.kind == "loading":
            mk = markers[p.lhs]
            lat_var = _latent_start(model, s_obs, p.lhs, ix)
            out.append(s_obs[ix[p.rhs], ix[mk]] / lat_var)
        elif p.kind == "variance" and p.lhs in ix:
            out.append(0.5 * var[ix[p.lhs]])
        elif p.kind == "variance":
            out.append(_latent_start(model, s_obs, p.lhs, ix))
        else:
            out.append(0.0)
    return np.array(out, float)


def _latent_start(model: RamModel, s_obs: np.ndarray, latent: str, ix: dict[str, int]) -> float:
    items = [p.rhs for p in model.params if p.kind == "loading" and p.lhs == latent]
    mk = ix[items[0]]
    covs = [s_obs[mk, ix[i]] for i in items[1:]]
    guess = float(np.mean(covs)) if covs else 0.5 * s_obs[mk, mk]
    return max(guess, 0.05 * s_obs[mk, mk])


def expected_hessian(inv: np.ndarray, d: np.ndarray) -> np.ndarray:
    """``H_ab = tr(Sigma^-1 dSigma_a Sigma^-1 dSigma_b)`` (batched matrix products: an ``einsum`` over
    the four indices was 40x slower)."""
    q = len(d)
    k = np.matmul(np.matmul(inv, d), inv).reshape(q, -1)
    return k @ d.reshape(q, -1).T  # each dSigma_b is symmetric, so tr(K_a dSigma_b) = sum(K_a * dSigma_b)


def rank2_factors(model: RamModel, m: np.ndarray, w: np.ndarray,
                  index: tuple[np.ndarray, ...] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(U, V)``, each (p, q), with ``dSigma_k = u_k v_k' + v_k u_k'`` for every free parameter ``k``.

    Why: every ``dSigma/dtheta`` of a RAM model has rank two (see the module docstring; a variance's
    ``m_i m_i'`` is written with ``v = m_i / 2``), so the gradient and the expected Hessian need only
    these vectors: ``g_k = 2 u_k' G v_k`` and ``H = 2 (U'PV o (U'PV)' + U'PU o V'PV)`` with
    ``P = Sigma^-1`` (``o``: element-wise). That is a few (q x p)(p x p)(p x q) products instead of q
    outer products and 2q (p x p) matrix products a step: a fit is 10-20 times faster, which is what
    makes a 1,000-resample bootstrap take seconds."""
    rows, cols, is_a, diag = index if index is not None else free_index(model)
    u = m[:, rows]
    v = np.where(is_a, w[:, cols], m[:, cols])
    v[:, diag] *= 0.5
    return u, v


def free_index(model: RamModel) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Row, column, "is in A" and "is a variance" of every free parameter (computed once per fit)."""
    free = model.free()
    rows = np.array([p.row for p in free], int)
    cols = np.array([p.col for p in free], int)
    is_a = np.array([p.matrix == "A" for p in free], bool)
    return rows, cols, is_a, (~is_a) & (rows == cols)


def gradient_hessian(inv: np.ndarray, s_obs: np.ndarray, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The gradient of F_ML and its expected Hessian from the rank-two factors (:func:`rank2_factors`)."""
    g_mat = inv - inv @ s_obs @ inv
    grad = 2 * np.einsum("pk,pk->k", u, g_mat @ v)
    pu, pv = inv @ u, inv @ v
    upv = u.T @ pv
    return grad, 2 * (upv * upv.T + (u.T @ pu) * (v.T @ pv))


def _tr_pq(p_: np.ndarray, q_: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``T[a, b] = tr(P dSigma_a Q dSigma_b)`` for symmetric ``P``, ``Q`` from the rank-two factors."""
    pu, pv, qu, qv = p_ @ u, p_ @ v, q_ @ u, q_ @ v
    upv = u.T @ pv
    return (v.T @ qu) * upv + (v.T @ qv) * (u.T @ pu) + (u.T @ qu) * (v.T @ pv) + (u.T @ qv) * upv.T


def observed_hessian(model: RamModel, x: np.ndarray, s_obs: np.ndarray, inv: np.ndarray, u: np.ndarray,
                     v: np.ndarray, index: tuple[np.ndarray, ...]) -> np.ndarray:
    """The exact Hessian of F_ML (Newton's method converges in a few steps where Fisher scoring crawls,
    e.g. near a Heywood case in a bootstrap resample).

    ``H_ab = tr(dG_b dSigma_a) + tr(G d2Sigma_ab)`` with ``G = P - P S P``, ``P = Sigma^-1``: the first
    part is ``-T(P, P) + T(P, Q) + T(P, Q)'`` with ``Q = P S P`` (:func:`_tr_pq`); the second is nonzero
    for pairs of A parameters and for an A and an S parameter. With ``C = (I - A)^-1``,
    ``Omega = C S C'``, ``L`` = G in the observed block (zero elsewhere), ``K = C' L C`` and
    ``N = Omega L C``: for ``A_ij, A_kl`` it is ``2 (C_li N_jk + C_jk N_li + Omega_jl K_ki)``; for
    ``A_ij, S_kl`` ``2 (C_jk K_li + C_jl K_ki)`` (one term when ``k = l``)."""
    rows, cols, is_a, diag = index
    q = inv @ s_obs @ inv
    g = inv - q
    t = _tr_pq(inv, q, u, v)
    h = -_tr_pq(inv, inv, u, v) + t + t.T
    a_mat, s_mat = _matrices(model, x)
    n = len(a_mat)
    c = np.linalg.inv(np.eye(n) - a_mat)
    omega = c @ s_mat @ c.T
    p = len(model.observed)
    lmat = np.zeros((n, n))
    lmat[:p, :p] = g
    k = c.T @ lmat @ c
    nm = omega @ lmat @ c
    ia, ja = rows[is_a], cols[is_a]
    ka, la = ia, ja  # the same A parameters, as the second index
    aa = 2 * (c[la[None, :], ia[:, None]] * nm[ja[:, None], ka[None, :]]
              + c[ja[:, None], ka[None, :]] * nm[la[None, :], ia[:, None]]
              + omega[ja[:, None], la[None, :]] * k[ka[None, :], ia[:, None]])
    ks, ls = rows[~is_a], cols[~is_a]
    as_ = 2 * (c[ja[:, None], ks[None, :]] * k[ls[None, :], ia[:, None]]
               + c[ja[:, None], ls[None, :]] * k[ks[None, :], ia[:, None]])
    as_[:, diag[~is_a]] *= 0.5
    ai, si = np.flatnonzero(is_a), np.flatnonzero(~is_a)
    h[np.ix_(ai, ai)] += aa
    h[np.ix_(ai, si)] += as_
    h[np.ix_(si, ai)] += as_.T
    return h


def _objective(s_obs: np.ndarray, sigma: np.ndarray, logdet_s: float) -> tuple[float, np.ndarray] | None:
    try:  # Cholesky, not the sign of the determinant: two negative eigenvalues have a positive product
        chol = np.linalg.cholesky(sigma)
    except np.linalg.LinAlgError:
        return None
    logdet = 2 * float(np.log(np.diag(chol)).sum())
    inv = np.linalg.inv(sigma)
    return float(logdet + np.trace(s_obs @ inv) - logdet_s - len(s_obs)), inv


def scoring_step(x: np.ndarray, hess: np.ndarray, grad: np.ndarray, f: float,
                 evaluate: Callable[[np.ndarray], tuple | None]) -> tuple[np.ndarray, tuple] | None:
    """One Fisher-scoring step from ``x``: the Newton direction with the expected Hessian, halved
    until ``evaluate`` (``(objective, ...)``, or None where Sigma is not positive definite) does not
    increase ``f``. Returns the new point and what ``evaluate`` gave there, or None when no step does."""
    try:
        step = -np.linalg.solve(hess, grad)
    except np.linalg.LinAlgError:
        step = -np.linalg.lstsq(hess, grad, rcond=None)[0]
    t = 1.0
    while t > 1e-10:
        xn = x + t * step
        got = evaluate(xn)
        if got is not None and got[0] <= f + 1e-14 * max(1.0, abs(f)):
            return xn, got
        t /= 2
    return None


def fit_ml(
    model: RamModel,
    s_obs: np.ndarray,
    n: int,
    *,
    warm: dict[str, float] | None = None,
    tol: float = 1e-10,
    max_iter: int = 500,
    standard_errors: bool = True,
    newton: bool = False,
) -> MlFit:
    """Minimise F_ML by Fisher scoring; converged when F changes by less than ``tol`` (relative) and
    the largest gradient element is below ``sqrt(tol)``. ``standard_errors=False`` skips the final
    information matrix (``cov`` is None): a bootstrap refit needs only the estimates. ``newton=True``
    steps with the exact Hessian (:func:`observed_hessian`) wherever it is positive definite, and
    scores elsewhere: 4-6 steps from a warm start instead of 20-100 (the same optimum)."""
    _, logdet_s = np.linalg.slogdet(s_obs)
    x = start_values(model, s_obs, warm)
    sigma, m, w, v = implied(model, x)
    got = _objective(s_obs, sigma, logdet_s)
    if got is None:  # a warm start that does not fit these data: start simply
        x = start_values(model, s_obs)
        sigma, m, w, v = implied(model, x)
        got = _objective(s_obs, sigma, logdet_s)
    if got is None:
        raise np.linalg.LinAlgError("the starting values imply a covariance matrix that is not positive definite")
    f, inv = got

    def evaluate(xn: np.ndarray) -> tuple | None:
        sig_n, m_n, w_n, v_n = implied(model, xn)
        got = _objective(s_obs, sig_n, logdet_s)
        return None if got is None else (got[0], got[1], sig_n, m_n, w_n, v_n)

    converged, message, it = False, "iteration limit reached", 0
    hess = np.eye(len(x))
    index = free_index(model)
    for it in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        uf, vf = rank2_factors(model, m, w, index)
        grad, hess = gradient_hessian(inv, s_obs, uf, vf)
        if newton:
            exact = observed_hessian(model, x, s_obs, inv, uf, vf, index)
            try:
                np.linalg.cholesky(exact)
                hess = exact
            except np.linalg.LinAlgError:
                pass  # not positive definite here: a scoring step
        moved = scoring_step(x, hess, grad, f, evaluate)
        if moved is None:
            message = "no step decreases the discrepancy"
            break
        x, (fn, inv, sigma, m, w, v) = moved
        change, f = f - fn, fn
        if change < tol * max(1.0, abs(f)) and float(np.abs(grad).max()) < math.sqrt(tol):
            converged, message = True, "converged"
            break
    cov = None
    try:
        if standard_errors:
            cov = np.linalg.inv(0.5 * n * gradient_hessian(inv, s_obs, *rank2_factors(model, m, w))[1])
    except np.linalg.LinAlgError:
        cov = None
    return MlFit(x, sigma, f, converged, it, message, cov, v)


def standardized(model: RamModel, fit: MlFit) -> dict[str, float]:
    """lavaan's ``std.all`` of every parameter (free and fixed), by name."""
    sd = np.sqrt(np.clip(np.diag(fit.implied_all), 0, None))
    vals = dict(zip([p.name for p in model.free()], fit.x, strict=True))
    out = {}
    for p in model.params:
        est = vals.get(p.name, p.value)
        if p.matrix == "A":  # v_row <- v_col
            out[p.name] = est * sd[p.col] / sd[p.row] if sd[p.row] > 0 else float("nan")
        else:
            den = sd[p.row] * sd[p.col]
            out[p.name] = est / den if den > 0 else float("nan")
    return out

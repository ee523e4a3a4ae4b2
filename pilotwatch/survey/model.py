"""The conceptual model (thesis Figure 10) fitted with semopy: CFA, the structural model, effects.

Model. Each factor with two or more items is a latent variable measured by its items (the first
item's loading fixed to 1, as AMOS and lavaan do); a one-item construct (Citizen centricity, ``CC``)
enters as the observed item. The structural model regresses the mediator CC on the five factors
L, S, HC, O, R, and the outcome ICS on CC and the five factors, so each factor has a direct effect
(``c``), an indirect effect through CC (``a * b``) and a total effect (``c + a * b``). The exogenous
factors covary freely (lavaan's default; leaving them uncorrelated would misspecify the model) and
no residual covariance is added between CC and ICS (CC predicts ICS), exactly as lavaan's ``sem()``
parameterises it. The CFA is the measurement model of the multi-item constructs with every factor
covariance free.

Estimation. Maximum likelihood on the covariance matrix (divisor N, as lavaan). Missing answers:
``listwise`` (default) drops incomplete respondents before the covariance matrix is computed (a
pairwise covariance matrix from incomplete columns is never allowed) and fits with pilotwatch's own
ML engine, ``transforms.survey.sem`` (analytic derivatives, Fisher scoring, converged when F changes
by less than ``DEFAULT_FTOL``; same optimum as semopy's SLSQP and lavaan, 4-10 times faster than
lavaan and without importing semopy); ``fiml`` fits full-information ML through semopy
(``ModelMeans``, intercepts estimated; SLSQP with ``ftol`` = ``DEFAULT_FTOL``: semopy's default
1e-6 stops early) and the indices are computed from case-wise likelihoods. BLAS threads are limited
to ``PILOTWATCH_SURVEY_THREADS`` (default 1: these matrices are 20 x 20, where a second thread costs
more than it saves; see ``benchmarks/survey_fit.py``).

Standard errors come from the expected information for complete data and from the observed
information under FIML (lavaan's defaults in both cases); the SE of an indirect or total effect is
the delta-method SE from the same parameter covariance matrix. Fit indices
are computed by ``transforms.survey.fit``, not taken from semopy. Problems (no convergence, a
sample smaller than the model needs, negative variances) become warnings in the result: the caller
prints and stores them; nothing here raises for a bad sample.
"""

from __future__ import annotations

import contextlib
import logging
import math
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from pilotwatch import settings
from transforms.survey import sem as survey_sem
from transforms.survey.fit import fit_indices, fit_indices_fiml
from transforms.survey.spec import FACTORS, MEDIATOR, OUTCOME

log = logging.getLogger("pilotwatch.survey.model")

DEFAULT_FTOL = 1e-10
MAX_ITER = 10_000
#: Below this many respondents per free parameter the estimates are flagged (Bentler & Chou 1987).
MIN_N_PER_PARAMETER = 5
Missing = Literal["listwise", "fiml"]


def blas_threads() -> int:
    return settings.survey_threads()


@contextlib.contextmanager
def limit_threads(n: int | None) -> Iterator[None]:
    """Limit BLAS/OpenMP threads for the block (threadpoolctl ships with semopy's scikit-learn)."""
    if not n:
        yield
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - semopy depends on scikit-learn, which brings it
        yield
        return
    with threadpool_limits(limits=n):
        yield


# -- the model --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelSpec:
    """Which items measure which construct; factors/mediator/outcome of Figure 10."""

    constructs: dict[str, list[str]]
    factors: tuple[str, ...] = FACTORS
    mediator: str = MEDIATOR
    outcome: str = OUTCOME

    def latent(self, code: str) -> bool:
        return len(self.constructs[code]) >= 2

    def var(self, code: str) -> str:
        """The model variable of a construct: the construct itself, or its single item."""
        return code if self.latent(code) else self.constructs[code][0]

    def measurement(self, codes: list[str]) -> list[str]:
        return [f"{c} =~ " + " + ".join(self.constructs[c]) for c in codes if self.latent(c)]

    def cfa(self) -> str:
        return "\n".join(self.measurement(list(self.constructs)))

    def sem(self) -> str:
        f = [c for c in self.factors if c in self.constructs]
        med, out = self.var(self.mediator), self.var(self.outcome)
        lines = self.measurement(list(self.constructs))
        lines.append(f"{med} ~ " + " + ".join(f"a_{c}*{self.var(c)}" for c in f))
        lines.append(f"{out} ~ b*{med} + " + " + ".join(f"c_{c}*{self.var(c)}" for c in f))
        lat = [self.var(c) for c in f]
        lines += [f"{x} ~~ {y}" for i, x in enumerate(lat) for y in lat[i + 1 :]]
        return "\n".join(lines)

    def items(self) -> list[str]:
        return [i for c in self.constructs for i in self.constructs[c]]


@dataclass
class ModelResult:
    kind: str  # cfa | sem
    n_used: int
    n_dropped: int
    missing: str
    converged: bool
    fit: dict[str, float | None] = field(default_factory=dict)
    estimates: pd.DataFrame = field(default_factory=pd.DataFrame)
    effects: pd.DataFrame = field(default_factory=pd.DataFrame)
    warnings: list[str] = field(default_factory=list)
    iterations: int | None = None
    description: str = ""
    values: dict[str, float] = field(default_factory=dict)  # free parameters' estimates by name


EST_COLUMNS = ["lhs", "op", "rhs", "kind", "estimate", "se", "z", "p", "std_estimate"]
EFFECT_COLUMNS = ["factor", "effect", "estimate", "se", "z", "p", "std_estimate"]


def _active_names(model) -> list[str]:  # noqa: ANN001
    return [k for k, p in model.parameters.items() if p.active]


def _p(z: float) -> float:
    """Two-sided normal p-value (``erfc``: scipy.stats costs 0.3 s to import for this one function)."""
    return math.erfc(abs(z) / math.sqrt(2)) if math.isfinite(z) else float("nan")


def fit(
    data: pd.DataFrame,
    spec: ModelSpec,
    kind: Literal["cfa", "sem"] = "sem",
    *,
    missing: Missing = "listwise",
    ftol: float = DEFAULT_FTOL,
    threads: int | None = None,
    start: dict[str, float] | None = None,
    estimator: str = "ml",
) -> ModelResult:
    """Fit the CFA or the structural model to ``data`` (one column per item, values 1..5 or NaN).

    ``start``: estimates of an earlier fit by parameter name (``ModelResult.values``), used as
    starting values where the names match (the CFA's measurement part starts the structural model).
    ``estimator``: ``ml`` (default), or the ordinal ``dwls``/``wlsmv`` (``pilotwatch.survey.ordinal``)."""
    if estimator not in ("ml", "dwls", "wlsmv"):
        raise ValueError(f"estimator must be 'ml', 'dwls' or 'wlsmv', got {estimator!r}")
    if estimator != "ml" and missing != "listwise":
        raise ValueError(f"--estimator {estimator} needs complete answers: use --missing listwise (FIML is ML only)")
    desc = spec.cfa() if kind == "cfa" else spec.sem()
    observed = _observed(spec, kind)
    frame = data[observed].apply(pd.to_numeric, errors="coerce").astype(float)
    n_all = len(frame)
    if missing == "listwise":
        frame = frame.dropna()
    elif missing != "fiml":
        raise ValueError(f"missing must be 'listwise' or 'fiml' (never pairwise), got {missing!r}")
    else:
        frame = frame.dropna(how="all")
    res = ModelResult(kind, len(frame), n_all - len(frame), missing, False, description=desc)
    if missing == "listwise" and res.n_dropped:
        res.warnings.append(f"{res.n_dropped} respondent(s) with a missing answer left out (listwise deletion)")
    p = len(observed)
    if len(frame) < p + 1:
        res.warnings.append(f"{kind}: only {len(frame)} usable respondents for {p} observed items: model not fitted")
        return res
    constant = [c for c in observed if frame[c].nunique(dropna=True) < 2]
    if constant:
        res.warnings.append(f"{kind}: item(s) {constant} have no variance: model not fitted")
        return res
    with limit_threads(threads if threads is not None else blas_threads()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if missing == "fiml":
            return _fit_fiml(frame, spec, kind, desc, ftol, res)
        if estimator != "ml":
            from pilotwatch.survey import ordinal

            return ordinal.fit(frame, spec, kind, res, start, ftol, estimator=estimator)
        return _fit_ml(frame, spec, kind, ftol, res, start)


def ram_model(spec: ModelSpec, kind: str) -> survey_sem.RamModel:
    """The CFA or the structural model in RAM form, parameterised as ``spec.cfa()`` / ``spec.sem()``
    are in lavaan syntax (same labels: ``a_L``, ``b``, ``c_L``, ...)."""
    if kind == "cfa":
        lat = [c for c in spec.constructs if spec.latent(c)]
        return survey_sem.build({c: spec.constructs[c] for c in lat}, [],
                                [(x, y) for i, x in enumerate(lat) for y in lat[i + 1 :]])
    f = [c for c in spec.factors if c in spec.constructs]
    med, out = spec.var(spec.mediator), spec.var(spec.outcome)
    regs = [(f"a_{c}", med, spec.var(c)) for c in f] + [("b", out, med)]
    regs += [(f"c_{c}", out, spec.var(c)) for c in f]
    lat = [spec.var(c) for c in f]
    return survey_sem.build(dict(spec.constructs), regs, [(x, y) for i, x in enumerate(lat) for y in lat[i + 1 :]])


def _fit_ml(frame: pd.DataFrame, spec: ModelSpec, kind: str, ftol: float, res: ModelResult,
            start: dict[str, float] | None) -> ModelResult:
    model = ram_model(spec, kind)
    x = frame[model.observed].to_numpy(float)
    s = np.cov(x, rowvar=False, bias=True)
    try:
        r = survey_sem.fit_ml(model, s, len(x), warm=start, tol=ftol, max_iter=MAX_ITER)
    except (np.linalg.LinAlgError, ValueError) as exc:
        res.warnings.append(f"{kind}: the model could not be fitted ({type(exc).__name__}: {exc})")
        return res
    res.converged, res.iterations = r.converged, r.iterations
    if not r.converged:
        res.warnings.append(f"{kind}: the optimizer did not converge ({r.message}); estimates are not trustworthy")
    names = [p.name for p in model.free()]
    _warn_sample_size(res, kind, len(names))
    res.values = dict(zip(names, (float(v) for v in r.x), strict=True))
    try:
        res.fit = fit_indices(s, r.sigma, len(x), len(names))
    except (np.linalg.LinAlgError, ValueError) as exc:
        res.warnings.append(f"{kind}: fit indices could not be computed ({exc})")
    se = np.sqrt(np.clip(np.diag(r.cov), 0, None)) if r.cov is not None else np.full(len(names), np.nan)
    if r.cov is None:
        res.warnings.append(f"{kind}: the information matrix is singular; no standard errors")
    ses = dict(zip(names, se, strict=True))
    std = survey_sem.standardized(model, r)
    rows = []
    for p in model.params:
        est = res.values.get(p.name, p.value)
        se_ = float(ses.get(p.name, float("nan")))
        z = est / se_ if se_ > 0 else float("nan")
        rows.append({"lhs": p.lhs, "op": p.op, "rhs": p.rhs, "kind": p.kind, "estimate": float(est), "se": se_,
                     "z": z, "p": _p(z) if p.free else float("nan"), "std_estimate": float(std[p.name])})
        if p.kind == "variance" and est < 0:
            res.warnings.append(f"{kind}: negative variance estimate for {p.lhs} ({est:.3f}): a Heywood case, "
                                "the model is improper for these data")
    res.estimates = pd.DataFrame(rows, columns=EST_COLUMNS)
    if kind == "sem" and r.cov is not None:
        res.effects = _effects(spec, names, r.x, r.cov, res.estimates)
    return res


def _warn_sample_size(res: ModelResult, kind: str, npar: int) -> None:
    n = res.n_used
    if n < npar:
        res.warnings.append(f"{kind}: N = {n} is smaller than the {npar} free parameters: "
                            "the model is not identified by the data; do not interpret it")
    elif n < MIN_N_PER_PARAMETER * npar:
        res.warnings.append(f"{kind}: N = {n} for {npar} free parameters "
                            f"({n / npar:.1f} per parameter; at least {MIN_N_PER_PARAMETER} "
                            "recommended): treat estimates and fit with caution")


def _fit_fiml(frame: pd.DataFrame, spec: ModelSpec, kind: str, desc: str, ftol: float,
              res: ModelResult) -> ModelResult:
    """Full-information ML through semopy (``ModelMeans``: intercepts estimated)."""
    import semopy

    model = semopy.ModelMeans(desc)
    try:
        r = model.fit(frame, obj="ML", options={"ftol": ftol, "maxiter": MAX_ITER})
    except Exception as exc:  # noqa: BLE001 - semopy raises many types for a degenerate sample
        res.warnings.append(f"{kind}: semopy could not fit the model ({type(exc).__name__}: {exc})")
        return res
    res.converged = bool(getattr(r, "success", False))
    res.iterations = getattr(r, "n_it", None)
    if not res.converged:
        res.warnings.append(f"{kind}: the optimizer did not converge ({getattr(r, 'message', '')}); "
                            "estimates are not trustworthy")
    names = _active_names(model)
    _warn_sample_size(res, kind, len(names))
    res.values = dict(zip(names, (float(v) for v in model.param_vals), strict=True))
    try:
        sigma, _ = model.calc_sigma()
        order = list(model.vars["observed"])  # semopy's own order of the rows of Sigma
        mu = _intercepts(model, order)
        res.fit = fit_indices_fiml(frame[order].to_numpy(float), mu, sigma, len(names))
    except (np.linalg.LinAlgError, ValueError) as exc:
        res.warnings.append(f"{kind}: fit indices could not be computed ({exc})")
    res.estimates, cov = _estimates(model, names, res)
    if kind == "sem" and cov is not None:
        res.effects = _effects(spec, names, model.param_vals, cov, res.estimates)
    return res


def _observed(spec: ModelSpec, kind: str) -> list[str]:
    if kind == "cfa":
        return [i for c in spec.constructs if spec.latent(c) for i in spec.constructs[c]]
    return spec.items()


def _intercepts(model, observed: list[str]) -> np.ndarray:  # noqa: ANN001
    ins = model.inspect()
    icp = ins[(ins["op"] == "~") & (ins["rval"] == "1")].set_index("lval")["Estimate"]
    return np.array([float(icp.get(v, 0.0)) for v in observed])


def param_cov(model, missing: str) -> np.ndarray:  # noqa: ANN001
    """Covariance of the estimates: inverse expected information (complete data, lavaan's default)
    or inverse observed information (FIML, lavaan's default with ``missing = "ml"``)."""
    if missing != "fiml":
        return model.calc_fim(inverse=True)[1]
    from numdifftools import Gradient

    _fun, grad = model.get_objective("FIML")
    x = np.array(model.param_vals, copy=True)
    try:
        hess = Gradient(grad)(x)
    finally:
        model.update_matrices(x)  # the derivative moved the matrices; put the estimates back
    return np.linalg.pinv(hess) / 0.5  # semopy's FIML objective is -2 logL without constants


def _estimates(model, names: list[str], res: ModelResult) -> tuple[pd.DataFrame, np.ndarray | None]:  # noqa: ANN001
    info = "observed" if res.missing == "fiml" else "expected"
    try:
        ins = model.inspect(std_est=True, information=info)
    except Exception as exc:  # noqa: BLE001
        res.warnings.append(f"{res.kind}: estimates could not be tabulated ({exc})")
        return pd.DataFrame(columns=EST_COLUMNS), None
    cov = None
    try:
        cov = param_cov(model, res.missing)
    except Exception as exc:  # noqa: BLE001
        res.warnings.append(f"{res.kind}: no covariance of the estimates ({exc}); effect SEs unavailable")
    latents = set(model.vars.get("latent", []))
    rows = []
    for r in ins.to_dict("records"):
        lval, op, rval = r["lval"], r["op"], r["rval"]
        if op == "~" and rval == "1":
            kind = "intercept"
        elif op == "~" and lval not in latents and rval in latents and _is_indicator(model, lval, rval):
            kind = "loading"
        elif op == "~":
            kind = "regression"
        elif lval == rval:
            kind = "variance"
        else:
            kind = "covariance"
        if kind == "loading":  # lavaan/AMOS direction: factor =~ item
            lhs, op2, rhs = rval, "=~", lval
        else:
            lhs, op2, rhs = lval, op, rval
        est = float(r["Estimate"])
        se, z, pv = _num(r.get("Std. Err")), _num(r.get("z-value")), _num(r.get("p-value"))
        std = _num(r.get("Est. Std"))
        rows.append({"lhs": lhs, "op": op2, "rhs": rhs, "kind": kind, "estimate": est, "se": se,
                     "z": z, "p": pv, "std_estimate": std})
        if kind == "variance" and est < 0:
            res.warnings.append(f"{res.kind}: negative variance estimate for {lval} ({est:.3f}): a Heywood case, "
                                "the model is improper for these data")
    return pd.DataFrame(rows, columns=EST_COLUMNS), cov


def _is_indicator(model, item: str, factor: str) -> bool:  # noqa: ANN001
    desc = model.description if hasattr(model, "description") else ""
    for line in desc.splitlines():
        if "=~" in line:
            lhs, rhs = line.split("=~", 1)
            if lhs.strip() == factor and item in [t.strip() for t in rhs.split("+")]:
                return True
    return False


def _num(v: object) -> float:
    try:
        f = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")
    return f


def _effects(spec: ModelSpec, names: list[str], values: np.ndarray, cov: np.ndarray,
             est: pd.DataFrame) -> pd.DataFrame:
    """Direct, indirect (via the mediator) and total effects of each factor on the outcome."""
    idx = {n: i for i, n in enumerate(names)}
    val = dict(zip(names, values, strict=True))
    med, out = spec.var(spec.mediator), spec.var(spec.outcome)
    reg = est[est["kind"] == "regression"].set_index(["lhs", "rhs"])["std_estimate"]
    std_b = float(reg.get((out, med), float("nan")))
    rows = []
    for c in spec.factors:
        if c not in spec.constructs:
            continue
        x = spec.var(c)
        a, b, cc = f"a_{c}", "b", f"c_{c}"
        std_a = float(reg.get((med, x), float("nan")))
        std_c = float(reg.get((out, x), float("nan")))
        for effect, grad, point, std in (
            ("direct", {cc: 1.0}, val[cc], std_c),
            ("indirect", {a: val[b], b: val[a]}, val[a] * val[b], std_a * std_b),
            ("total", {cc: 1.0, a: val[b], b: val[a]}, val[cc] + val[a] * val[b], std_c + std_a * std_b),
        ):
            g = np.zeros(len(names))
            for k, v in grad.items():
                g[idx[k]] = v
            var = float(g @ cov @ g)
            se = math.sqrt(var) if var > 0 else float("nan")
            z = point / se if se and math.isfinite(se) else float("nan")
            rows.append({"factor": c, "effect": effect, "estimate": float(point), "se": se, "z": z,
                         "p": _p(z), "std_estimate": std})
    return pd.DataFrame(rows, columns=EFFECT_COLUMNS)


# -- hypotheses -------------------------------------------------------------------------------

HYPOTHESES = {
    "H1": ("L", "Leadership will positively influence civil servants' intention to accept innovative "
                "transformation of civil service"),
    "H2": ("S", "Strategy will have a positive effect on innovative transformation of civil service"),
    "H3": ("HC", "Human Capital is positively related to innovative transformation of civil service"),
    "H4": ("O", "Organization will positively influence civil servants' intention to accept innovative "
                "transformation of civil service"),
    "H5": ("R", "Resources are less positively related to innovative transformation of civil service"),
}
ALPHA = 0.05
RULE_H1_H4 = ("supported when the factor's total effect on ICS (direct + indirect through CC) is positive "
              f"and its delta-method p < {ALPHA}; not supported otherwise; undetermined when the model did "
              "not converge or was not fitted")
RULE_H5 = ("supported when the standardized total effect of Resources on ICS is smaller than the standardized "
           "total effect of each of L, S, HC and O (a descriptive comparison, as in the thesis; no test of "
           "the differences); undetermined when the model did not converge or was not fitted")
VERDICT_COLUMNS = ["hypothesis", "factor", "statement", "effect", "estimate", "std_estimate", "p", "verdict", "rule"]


def verdicts(result: ModelResult) -> pd.DataFrame:
    """H1-H5 verdicts from the structural model's total effects, each with its rule."""
    eff = result.effects
    ok = result.converged and not eff.empty
    total = eff[eff["effect"] == "total"].set_index("factor") if ok else pd.DataFrame()
    rows = []
    for h, (factor, statement) in HYPOTHESES.items():
        row = {"hypothesis": h, "factor": factor, "statement": statement, "effect": "total",
               "estimate": None, "std_estimate": None, "p": None, "verdict": "undetermined",
               "rule": RULE_H5 if h == "H5" else RULE_H1_H4}
        if ok and factor in total.index:
            t = total.loc[factor]
            row.update(estimate=float(t["estimate"]), std_estimate=float(t["std_estimate"]), p=float(t["p"]))
            if h != "H5":
                good = t["estimate"] > 0 and t["p"] < ALPHA
                row["verdict"] = "supported" if good else "not supported"
            else:
                others = [total.loc[f, "std_estimate"] for f in ("L", "S", "HC", "O") if f in total.index]
                if others and all(math.isfinite(o) for o in others) and math.isfinite(t["std_estimate"]):
                    row["verdict"] = "supported" if all(t["std_estimate"] < o for o in others) else "not supported"
        rows.append(row)
    return pd.DataFrame(rows, columns=VERDICT_COLUMNS)

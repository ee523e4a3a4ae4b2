"""Nonparametric bootstrap of the mediation effects: resampling, refits and lavaan's intervals (pure numpy).

Why a bootstrap. An indirect effect is a product of two coefficients, ``a * b``. Even when ``a`` and
``b`` are each close to normal, their product is skewed (and at N = 100 clearly so), so the
delta-method interval ``estimate +/- 1.96 SE`` is symmetric where the truth is not, and a p-value
built on it misjudges effects near zero. The bootstrap makes no such assumption: resample the
respondents with replacement, refit the model on each resample, and read the interval off the
distribution of the refitted effects.

What is computed, as lavaan 0.6-14 computes it (``parameterEstimates(fit, boot.ci.type = ...)``):

* ``percentile``: the ``(1 - level)/2`` and ``(1 + level)/2`` quantiles of the bootstrap draws,
  by ``norm.inter`` (the ``boot`` package's interpolation on the normal scale between order
  statistics, which lavaan copies) — :func:`norm_inter`;
* ``bias_corrected`` (lavaan's ``bca.simple``: bias correction, no acceleration): with
  ``w = Phi^-1(share of draws below the full-sample estimate)``, the same interpolation at the
  adjusted levels ``Phi(2 w + z_alpha)`` — :func:`bias_corrected`.

Resamples whose refit fails (the optimizer does not converge, the resample's covariance matrix is
singular — an item without variance —, or an estimate is not finite) are counted and left out of
the intervals, as lavaan leaves out its ``error.idx`` draws; the count is always reported.

Refits are warm-started from the full-sample estimates and use ``transforms.survey.sem`` (analytic
derivatives, Fisher scoring): a resample is a small perturbation of the sample, so a handful of
iterations suffice. The resample indices come from ``numpy.random.default_rng(seed)``, one row of
``n`` draws per resample (:func:`resample_indices`), so the same seed gives the same resamples, and
a test can hand exactly these resamples to lavaan.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np

from transforms.survey import sem

#: ``--bootstrap N`` is refused outside this range: below 100 draws the 2.5 % tails rest on two or
#: three order statistics; 20,000 refits already take minutes on this project's 2-core machine.
MIN_DRAWS = 100
MAX_DRAWS = 20_000
DEFAULT_SEED = 20190423
DEFAULT_LEVEL = 0.95
_NORMAL = NormalDist()


def check_draws(draws: int) -> int:
    """``draws`` when it is a sane number of resamples, else a ValueError that says the bound."""
    if isinstance(draws, bool) or not isinstance(draws, int) or not MIN_DRAWS <= draws <= MAX_DRAWS:
        raise ValueError(f"--bootstrap takes a number of resamples from {MIN_DRAWS:,} to {MAX_DRAWS:,} "
                         f"(1,000 is usual; 5,000 for publication), not {draws!r}")
    return draws


def resample_indices(n: int, draws: int, seed: int) -> Iterator[np.ndarray]:
    """Row indices of each resample: ``draws`` arrays of ``n`` draws with replacement from ``0..n-1``."""
    rng = np.random.default_rng(seed)
    for _ in range(draws):
        yield rng.integers(0, n, size=n)


# -- intervals (lavaan's definitions) ----------------------------------------------------------


def norm_inter(t: Sequence[float] | np.ndarray, alpha: Sequence[float]) -> list[float]:
    """The ``boot`` package's ``norm.inter`` as lavaan 0.6-14 copies it: the ``alpha`` quantiles of the
    finite draws ``t``, interpolated on the normal scale between the order statistics ``k`` and
    ``k + 1`` around ``(R + 1) alpha``; NaN where that rank falls outside ``1..R``."""
    ts = np.sort(np.asarray(t, float)[np.isfinite(np.asarray(t, float))])
    r = len(ts)
    out = []
    for a in alpha:
        if r == 0 or not 0 <= a <= 1 or math.isnan(a):
            out.append(float("nan"))
            continue
        rk = (r + 1) * a
        k = math.trunc(rk)
        if k == rk:  # an order statistic exactly (k = 0 or R + 1 has none)
            out.append(float(ts[k - 1]) if 1 <= k <= r else (float(ts[0]) if k == 0 else float("nan")))
        elif k == 0:
            out.append(float(ts[0]))
        elif k >= r:
            out.append(float(ts[-1]) if k == r else float("nan"))
        else:
            z, zk, zk1 = _NORMAL.inv_cdf(a), _NORMAL.inv_cdf(k / (r + 1)), _NORMAL.inv_cdf((k + 1) / (r + 1))
            tk, tk1 = ts[k - 1], ts[k]
            out.append(float(tk + (z - zk) / (zk1 - zk) * (tk1 - tk)))
    return out


def percentile(t: Sequence[float] | np.ndarray, level: float = DEFAULT_LEVEL) -> tuple[float, float]:
    """lavaan's ``boot.ci.type = "perc"`` interval."""
    lo, hi = norm_inter(t, [(1 - level) / 2, (1 + level) / 2])
    return lo, hi


def bias_corrected(t: Sequence[float] | np.ndarray, estimate: float, level: float = DEFAULT_LEVEL) -> tuple[float, float]:
    """lavaan's ``boot.ci.type = "bca.simple"``: the percentile interval at levels shifted by the share of
    draws below the full-sample ``estimate`` (bias correction; acceleration 0). NaN when every draw is
    on one side of the estimate (the correction is infinite)."""
    arr = np.asarray(t, float)
    arr = arr[np.isfinite(arr)]
    if len(arr) == 0:
        return float("nan"), float("nan")
    share = float(np.sum(arr < estimate)) / len(arr)
    if share in (0.0, 1.0):
        return float("nan"), float("nan")
    w = _NORMAL.inv_cdf(share)
    adj = [_NORMAL.cdf(2 * w + _NORMAL.inv_cdf(a)) for a in ((1 - level) / 2, (1 + level) / 2)]
    lo, hi = norm_inter(arr, adj)
    return lo, hi


# -- the mediation effects ---------------------------------------------------------------------


def mediation_effects(values: dict[str, float], factors: Sequence[str]) -> dict[tuple[str, str], float]:
    """Indirect ``a_F * b`` and total ``c_F + a_F * b`` effect of each factor ``F`` from the labelled
    estimates (the labels of ``pilotwatch.survey.model.ModelSpec.sem()``: ``a_F``, ``b``, ``c_F``)."""
    out: dict[tuple[str, str], float] = {}
    for f in factors:
        ind = values[f"a_{f}"] * values["b"]
        out[(f, "indirect")] = ind
        out[(f, "total")] = values[f"c_{f}"] + ind
    return out


@dataclass
class Interval:
    factor: str
    effect: str  # indirect | total
    estimate: float
    percentile: tuple[float, float]
    bias_corrected: tuple[float, float]


@dataclass
class BootstrapResult:
    draws: int  # resamples requested
    failed: int  # resamples whose refit failed (left out of the intervals)
    seed: int
    level: float
    intervals: list[Interval] = field(default_factory=list)
    samples: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)  # successful draws per effect
    failures: dict[str, int] = field(default_factory=dict)  # reason -> count
    failed_draws: list[int] = field(default_factory=list)  # 0-based numbers of the failed resamples
    seconds: float = float("nan")  # wall time, set by the caller that timed it
    cpu_seconds: float = float("nan")  # CPU time of this process, likewise

    @property
    def successful(self) -> int:
        return self.draws - self.failed


def refit(model: sem.RamModel, x: np.ndarray, idx: np.ndarray, warm: dict[str, float], *, tol: float,
          max_iter: int) -> tuple[dict[str, float] | None, str]:
    """The free estimates by name on the resample ``x[idx]``, or ``(None, reason)`` when the refit fails."""
    xs = x[idx]
    s = np.cov(xs, rowvar=False, bias=True)
    if np.any(np.diag(s) <= 0):
        return None, "an item has no variance in the resample"
    try:
        r = sem.fit_ml(model, s, len(xs), warm=warm, tol=tol, max_iter=max_iter, standard_errors=False,
                       newton=True)
    except (np.linalg.LinAlgError, ValueError) as exc:
        return None, f"the model could not be fitted ({type(exc).__name__})"
    if not r.converged:
        return None, "the optimizer did not converge"
    if not np.all(np.isfinite(r.x)):
        return None, "an estimate is not finite"
    return dict(zip((p.name for p in model.free()), (float(v) for v in r.x), strict=True)), ""


def bootstrap_mediation(
    model: sem.RamModel,
    x: np.ndarray,
    estimates: dict[str, float],
    factors: Sequence[str],
    draws: int,
    *,
    seed: int = DEFAULT_SEED,
    level: float = DEFAULT_LEVEL,
    tol: float = 1e-10,
    max_iter: int = 100,
    indices: Iterator[np.ndarray] | None = None,
) -> BootstrapResult:
    """Resample the rows of ``x`` (respondents x ``model.observed``) ``draws`` times, refit ``model`` on
    each (warm start: the full-sample ``estimates``), and give every indirect and total effect its
    percentile and bias-corrected interval. ``indices`` replaces the seeded resamples (tests)."""
    if not 0 < level < 1:
        raise ValueError(f"the interval level is a share between 0 and 1, not {level!r}")
    point = mediation_effects(estimates, factors)
    rows: dict[tuple[str, str], list[float]] = {k: [] for k in point}
    res = BootstrapResult(draws=draws, failed=0, seed=seed, level=level)
    for k, idx in enumerate(indices if indices is not None else resample_indices(len(x), draws, seed)):
        vals, why = refit(model, x, idx, estimates, tol=tol, max_iter=max_iter)
        if vals is None:
            res.failed += 1
            res.failed_draws.append(k)
            res.failures[why] = res.failures.get(why, 0) + 1
            continue
        for k, v in mediation_effects(vals, factors).items():
            rows[k].append(v)
    for (f, kind), est in point.items():
        t = np.asarray(rows[(f, kind)], float)
        res.samples[(f, kind)] = t
        nan2 = (float("nan"), float("nan"))
        res.intervals.append(Interval(f, kind, est, percentile(t, level) if len(t) else nan2,
                                      bias_corrected(t, est, level) if len(t) else nan2))
    return res

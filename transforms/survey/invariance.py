"""Measurement invariance across groups: configural, metric and scalar models and the tests between them (pure).

Why: comparing the bodies' factor means or paths only means something if the questionnaire measures
the same constructs the same way in each body. SEM practice (Vandenberg & Lance 2000; Chen 2007)
tests it in three nested steps, each fitted as one multi-group model (``transforms.survey.multigroup``):

* **configural** — the same items load on the same factors in every group, all parameters free;
* **metric** — loadings equal across groups (lavaan ``group.equal = "loadings"``): a one-point
  difference in a factor means the same change in its items everywhere;
* **scalar** — loadings and item intercepts equal (``c("loadings", "intercepts")``), latent means free
  in every group but the first: needed before factor *means* may be compared.

Each step is compared with the one before by the chi-square difference (likelihood-ratio) test, as
lavaan's ``lavTestLRT`` does for ML, and by the change in CFI; the step "holds" when the test is not
significant at ``ALPHA`` *and* CFI drops by less than ``DELTA_CFI`` (Chen 2007: the chi-square test
alone rejects trivial differences in large samples, ΔCFI alone misses them in small ones).

Identification as in the single-group CFA: the first item of each factor is its marker (loading 1 in
every group). A group is refused, naming it, when it has fewer respondents than the parameters the
configural model estimates in it, or an item without variance in it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from transforms.survey import multigroup as mg
from transforms.survey import sem
from transforms.survey.fit import chi2_sf

MODELS = ("configural", "metric", "scalar")
EQUAL: dict[str, frozenset[str]] = {
    "configural": frozenset(), "metric": frozenset({"loading"}), "scalar": frozenset({"loading", "intercept"}),
}
#: What each model constrains, in lavaan's words (printed in the JSON and the mart view).
LAVAAN_EQUAL = {"configural": "none", "metric": "loadings", "scalar": "loadings, intercepts"}
ALPHA = 0.05
DELTA_CFI = -0.01
INDICES = ("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "npar", "baseline_chisq", "baseline_df", "logl",
           "aic", "bic")


class GroupTooSmall(ValueError):
    """A group cannot be fitted on its own terms; the message names the group and why."""


@dataclass
class Invariance:
    group: str  # the column the groups come from
    groups: dict[str, int]  # group -> respondents used
    models: dict[str, dict[str, object]] = field(default_factory=dict)
    tests: list[dict[str, object]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def measurement_model(constructs: dict[str, list[str]]) -> sem.RamModel:
    """The CFA of the multi-item constructs, every factor covariance free (as ``cfa()``)."""
    lat = [c for c, items in constructs.items() if len(items) >= 2]
    return sem.build({c: constructs[c] for c in lat}, [], [(x, y) for i, x in enumerate(lat) for y in lat[i + 1:]])


def check_groups(base: sem.RamModel, data: dict[str, np.ndarray], column: str) -> None:
    """Refuse, naming the group, what no multi-group fit can estimate."""
    if len(data) < 2:
        raise GroupTooSmall(f"--group {column}: measurement invariance needs at least two groups; "
                            f"found {sorted(data) or 'none'}")
    per_group = mg.multigroup(base, ["g"]).npar  # what the configural model estimates in each group
    problems = []
    for name, x in data.items():
        if len(x) < per_group:
            problems.append(f"group {name!r} has {len(x)} respondent(s) with complete answers, fewer than the "
                            f"{per_group} parameters the configural model estimates in each group")
    small = len(problems)
    for name, x in data.items():
        const = [v for v, col in zip(base.observed, np.asarray(x, float).T, strict=True) if np.unique(col).size < 2]
        if const:
            problems.append(f"group {name!r}: item(s) {const} have the same answer from every respondent "
                            "(no variance), so their loadings cannot be estimated in it")
    if problems:
        advice = ("the sample is too small for a multi-group CFA of this model: every group needs at least "
                  f"{per_group} complete respondents (and about {5 * per_group} for stable estimates)"
                  if small == len(data) else "merge or drop the group, or group by another column")
        raise GroupTooSmall(f"--group {column}: " + "; ".join(problems) + f". {advice[0].upper()}{advice[1:]}.")


def lr_test(loose: dict[str, object], strict: dict[str, object], name: str) -> dict[str, object]:
    """lavaan's ``lavTestLRT`` for two nested ML fits, plus ΔCFI/ΔRMSEA and the decision."""
    dchisq = float(strict["chisq"]) - float(loose["chisq"])  # type: ignore[arg-type]
    ddf = int(strict["df"]) - int(loose["df"])  # type: ignore[call-overload]
    p = chi2_sf(dchisq, ddf) if ddf > 0 else None
    dcfi = float(strict["cfi"]) - float(loose["cfi"])  # type: ignore[arg-type]
    drmsea = (float(strict["rmsea"]) - float(loose["rmsea"])  # type: ignore[arg-type]
              if strict.get("rmsea") is not None and loose.get("rmsea") is not None else None)
    holds = (p is None or p >= ALPHA) and dcfi > DELTA_CFI
    return {"comparison": name, "delta_chisq": dchisq, "delta_df": ddf, "pvalue": p, "delta_cfi": dcfi,
            "delta_rmsea": drmsea, "holds": holds,
            "rule": f"holds when p(Δχ²) >= {ALPHA} and ΔCFI > {DELTA_CFI} (Chen 2007)"}


def invariance(constructs: dict[str, list[str]], data: dict[str, np.ndarray], column: str, *,
               tol: float = 1e-10, max_iter: int = 500) -> Invariance:
    """Fit the three models to ``data`` (group -> complete answers, columns in the order of
    ``measurement_model(constructs).observed``) and compare them; groups in the order given."""
    base = measurement_model(constructs)
    check_groups(base, data, column)
    moments = [mg.GroupMoments.of(name, x) for name, x in data.items()]
    out = Invariance(column, {m.name: m.n for m in moments})
    warm: dict[str, float] | None = None
    for name in MODELS:
        model = mg.multigroup(base, list(data), EQUAL[name])
        fit = mg.fit_multigroup(model, moments, warm=warm, tol=tol, max_iter=max_iter)
        warm = fit.estimates
        idx = mg.fit_indices(model, moments, fit)
        out.models[name] = {k: idx.get(k) for k in INDICES} | {
            "equal": LAVAAN_EQUAL[name], "converged": fit.converged, "iterations": fit.iterations,
            "latent_means": _latent_means(base, fit.estimates, list(data)) if name == "scalar" else None,
        }
        if not fit.converged:
            out.warnings.append(f"invariance: the {name} model did not converge ({fit.message}); "
                                "its indices are not trustworthy")
        neg = [k for k, v in fit.estimates.items() if k.split("@")[0].count("~~") and _is_variance(k) and v < 0]
        if neg:
            out.warnings.append(f"invariance: negative variance estimate(s) in the {name} model ({', '.join(neg)}): "
                                "a Heywood case, the model is improper for these data")
    out.tests = [lr_test(out.models["configural"], out.models["metric"], "configural→metric"),
                 lr_test(out.models["metric"], out.models["scalar"], "metric→scalar")]
    return out


def _is_variance(key: str) -> bool:
    lhs, _, rhs = key.split("@")[0].partition("~~")
    return lhs == rhs


def _latent_means(base: sem.RamModel, est: dict[str, float], groups: list[str]) -> dict[str, dict[str, float]]:
    """Scalar model: each factor's mean in each group, relative to the first group (fixed at 0)."""
    return {g: {f: (0.0 if i == 0 else est[f"{f}~1@{g}"]) for f in base.latent} for i, g in enumerate(groups)}

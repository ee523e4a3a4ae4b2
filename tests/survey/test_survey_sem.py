"""The ML engine of ``transforms.survey.sem``: its derivatives, and the same optimum as semopy's SLSQP.

semopy (the implementation pilotwatch used before, itself checked against lavaan in
``test_survey_fit.py``) is the oracle: on the structural model of Figure 10 the chi-square must agree
to 1e-6 and every estimate, standard error and standardized estimate to 1e-4.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pilotwatch.survey.demo import simulate, to_likert
from pilotwatch.survey.items import load_instruments
from pilotwatch.survey.model import ModelSpec, fit, ram_model
from transforms.survey import sem as survey_sem
from transforms.survey.fit import ml_discrepancy


@pytest.fixture(scope="module")
def spec() -> ModelSpec:
    ins = load_instruments().get("model_test")
    return ModelSpec({k: c.items for k, c in ins.constructs.items()})


def _likert(n: int, seed: int) -> pd.DataFrame:
    return pd.DataFrame({k: to_likert(v) for k, v in simulate(n, seed=seed).items()}).astype(float)


def _cov(model: survey_sem.RamModel, data: pd.DataFrame) -> np.ndarray:
    return np.cov(data[model.observed].to_numpy(float), rowvar=False, bias=True)


def test_gradient_and_expected_hessian_match_finite_differences(spec):
    model = ram_model(spec, "sem")
    s = _cov(model, _likert(300, 7))
    x = survey_sem.start_values(model, s) + 0.05  # away from any optimum

    def f(v: np.ndarray) -> float:
        return ml_discrepancy(s, survey_sem.implied(model, v)[0])

    sigma, m, w, _ = survey_sem.implied(model, x)
    inv = np.linalg.inv(sigma)
    d = survey_sem.jacobian(model, m, w)
    grad = d.reshape(len(x), -1) @ (inv - inv @ s @ inv).ravel()
    h = 1e-6
    numeric = np.array([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(len(x))])
    assert np.abs(grad - numeric).max() < 1e-6
    # the expected Hessian is the exact Hessian where S equals Sigma: check it there
    hess = survey_sem.expected_hessian(inv, d)

    def g_at_sigma(v: np.ndarray) -> np.ndarray:
        sg, mm, ww, _ = survey_sem.implied(model, v)
        iv = np.linalg.inv(sg)
        return survey_sem.jacobian(model, mm, ww).reshape(len(v), -1) @ (iv - iv @ sigma @ iv).ravel()

    numeric_h = np.array([(g_at_sigma(x + h * e) - g_at_sigma(x - h * e)) / (2 * h) for e in np.eye(len(x))])
    assert np.abs(hess - numeric_h).max() < 1e-4 * max(1.0, np.abs(hess).max())


@pytest.mark.parametrize("n", [100, 1000])
def test_same_optimum_as_semopy_slsqp(spec, n):
    import semopy

    data = _likert(n, 1 + n)
    ours = fit(data, spec, "sem")
    assert ours.converged and ours.iterations is not None and ours.iterations < 40
    ref = semopy.Model(spec.sem())
    ref.fit(data[spec.items()], options={"ftol": 1e-10, "maxiter": 10_000})
    sigma, _ = ref.calc_sigma()
    x = data[list(ref.vars["observed"])].to_numpy(float)
    chisq_ref = len(x) * ml_discrepancy(np.cov(x, rowvar=False, bias=True), sigma)
    assert ours.fit["chisq"] == pytest.approx(chisq_ref, abs=1e-6)
    ins = ref.inspect(std_est=True)
    est = ours.estimates.set_index(["lhs", "op", "rhs"])
    compared = 0
    for r in ins.to_dict("records"):
        key = (r["rval"], "=~", r["lval"]) if (r["rval"], "=~", r["lval"]) in est.index else (
            r["lval"], r["op"], r["rval"])
        row = est.loc[key]
        assert row["estimate"] == pytest.approx(float(r["Estimate"]), abs=1e-4), key
        assert row["std_estimate"] == pytest.approx(float(r["Est. Std"]), abs=1e-4), key
        if r["Std. Err"] != "-":
            assert row["se"] == pytest.approx(float(r["Std. Err"]), abs=1e-4), key
        compared += 1
    assert compared == len(ours.estimates) == 58 + 6  # free parameters and the six fixed marker loadings


def test_warm_start_from_the_cfa_reaches_the_same_optimum(spec):
    data = _likert(1000, 11)
    cold = fit(data, spec, "sem")
    cfa = fit(data, spec, "cfa")
    warm = fit(data, spec, "sem", start=cfa.values)
    assert warm.fit["chisq"] == pytest.approx(cold.fit["chisq"], abs=1e-6)
    assert warm.iterations <= cold.iterations  # measured: 8 and 8 here; the start saves little
    bad = {k: -5.0 for k in cfa.values}  # a start that implies no covariance matrix falls back to simple starts
    assert fit(data, spec, "sem", start=bad).fit["chisq"] == pytest.approx(cold.fit["chisq"], abs=1e-6)

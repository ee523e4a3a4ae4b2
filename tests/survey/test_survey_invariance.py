"""Measurement invariance across groups (issue 15 item 5): against lavaan, and end to end.

The oracle is lavaan 0.6-14 itself, run here through ``Rscript`` on data this file generates:
``cfa(model, data, group = "grp")``, the same with ``group.equal = "loadings"`` and with
``c("loadings", "intercepts")``, ``fitMeasures`` and ``lavTestLRT`` (the R script is ``LAVAAN_SCRIPT``
below). The tests that need it skip, saying why, where R or lavaan is not installed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from lavaan_r import require_lavaan, run_rscript

from pilotwatch.survey.demo import demo_export, simulate, to_likert
from pilotwatch.survey.items import load_instruments
from pilotwatch.survey.model import limit_threads
from transforms.survey import multigroup as mg
from transforms.survey.invariance import GroupTooSmall, check_groups, invariance, measurement_model

THREE = {"F1": ["a1", "a2", "a3", "a4"], "F2": ["b1", "b2", "b3"], "F3": ["c1", "c2", "c3"]}
MODEL_TEST = {k: c.items for k, c in load_instruments().get("model_test").constructs.items()}

LAVAAN_SCRIPT = r"""
suppressMessages(library(lavaan))
args <- commandArgs(trailingOnly = TRUE)
out <- list()
for (i in seq(1, length(args), by = 2)) {
  d <- read.csv(args[i]); m <- gsub(";", "\n", args[i + 1])
  fits <- list(configural = cfa(m, d, group = "grp"),
               metric = cfa(m, d, group = "grp", group.equal = "loadings"),
               scalar = cfa(m, d, group = "grp", group.equal = c("loadings", "intercepts")))
  res <- lapply(fits, function(f) as.list(fitMeasures(f, c("chisq", "df", "pvalue", "cfi", "tli", "rmsea",
                                                             "npar", "baseline.chisq", "baseline.df", "logl"))))
  lrt <- as.data.frame(lavTestLRT(fits$configural, fits$metric, fits$scalar))
  res$tests <- list(delta_chisq = lrt[["Chisq diff"]][2:3], delta_df = lrt[["Df diff"]][2:3],
                    pvalue = lrt[["Pr(>Chisq)"]][2:3])
  out[[length(out) + 1]] <- res
}
for (r in out) {
  for (k in names(r)) for (j in names(r[[k]])) cat(k, j, sprintf("%.15g", r[[k]][[j]]), "\n")
  cat("--\n")
}
"""


@pytest.fixture(autouse=True)
def one_blas_thread() -> Iterator[None]:
    """As the command runs it (``PILOTWATCH_SURVEY_THREADS``, default 1): a second BLAS thread on a
    busy machine made these 40 x 40 solves 20 times slower."""
    with limit_threads(1):
        yield


def _three_groups(seed: int = 5) -> dict[str, np.ndarray]:
    """Three groups of a three-factor CFA: g2 has a planted loading difference (a3 + 0.6) and a
    higher latent mean, g3 a planted intercept difference (b2 + 0.5)."""
    rng = np.random.default_rng(seed)
    lams = [1.0, 0.8, 1.2, 0.9]

    def gen(n: int, lam_shift: float = 0.0, icpt_shift: float = 0.0, mean: float = 0.0) -> np.ndarray:
        phi = np.full((3, 3), 0.3)
        np.fill_diagonal(phi, 1.0)
        eta = rng.multivariate_normal(np.full(3, mean), phi, size=n)
        cols = []
        for j, items in enumerate(THREE.values()):
            for i, it in enumerate(items):
                lam = lams[i] + (lam_shift if it == "a3" else 0.0)
                cols.append(3 + (icpt_shift if it == "b2" else 0.0) + lam * eta[:, j] + rng.normal(0, 0.6, n))
        return np.round(np.column_stack(cols), 10)  # what the CSV for R holds

    return {"g1": gen(150), "g2": gen(120, lam_shift=0.6, mean=0.3), "g3": gen(130, icpt_shift=0.5)}


def _likert_bodies() -> dict[str, np.ndarray]:
    """The model_test CFA on five-point answers in two bodies from the same population."""
    items = measurement_model(MODEL_TEST).observed
    out = {}
    for body, (n, seed) in {"acsa": (180, 11), "astana": (220, 12)}.items():
        sim = simulate(n, seed=seed)
        out[body] = np.column_stack([to_likert(sim[i]) for i in items]).astype(float)
    return out


def _syntax(constructs: dict[str, list[str]]) -> str:
    return ";".join(f"{c} =~ {' + '.join(items)}" for c, items in constructs.items() if len(items) >= 2)


@pytest.fixture(scope="module")
def lavaan(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, dict[str, list[float]]]]:
    """lavaan's numbers for the two data sets, from one R process."""
    require_lavaan("lavaan")
    tmp = tmp_path_factory.mktemp("lavaan")
    argv = []
    for k, (data, cons) in enumerate([(_three_groups(), THREE), (_likert_bodies(), MODEL_TEST)]):
        names = measurement_model(cons).observed
        rows = [{"grp": g, **dict(zip(names, r.tolist(), strict=True))} for g, x in data.items() for r in x]
        path = tmp / f"d{k}.csv"
        pl.DataFrame(rows).write_csv(path, float_precision=10)
        argv += [str(path), _syntax(cons)]
    script = tmp / "invariance.R"
    script.write_text(LAVAAN_SCRIPT)
    stdout = run_rscript(script, *argv, timeout=300)
    out: list[dict[str, dict[str, list[float]]]] = [{}]
    for line in stdout.splitlines():  # "model key value [value...]", "--" between data sets
        if line.strip() == "--":
            out.append({})
            continue
        model, key, *values = line.split()
        out[-1].setdefault(model, {})[key] = [float(v) for v in values]
    return [o for o in out if o]


@pytest.mark.parametrize("case", [0, 1], ids=["three-groups-planted", "model-test-likert"])
def test_indices_and_difference_tests_agree_with_lavaan(lavaan, case):
    data, cons = [(_three_groups(), THREE), (_likert_bodies(), MODEL_TEST)][case]
    ours = invariance(cons, data, "grp")
    ref = lavaan[case]
    for m in ("configural", "metric", "scalar"):
        got, want = ours.models[m], {k: v[0] for k, v in ref[m].items()}
        assert got["converged"]
        assert got["df"] == want["df"] and got["npar"] == want["npar"]
        assert got["baseline_df"] == want["baseline.df"]
        assert got["baseline_chisq"] == pytest.approx(want["baseline.chisq"], abs=1e-6)
        assert got["chisq"] == pytest.approx(want["chisq"], abs=1e-6)
        assert got["logl"] == pytest.approx(want["logl"], abs=1e-6)
        for k in ("cfi", "tli", "rmsea", "pvalue"):
            assert got[k] == pytest.approx(want[k], abs=1e-6), (m, k)
    lrt = ref["tests"]  # lavTestLRT: configural vs metric, metric vs scalar
    assert [t["delta_df"] for t in ours.tests] == lrt["delta_df"]
    assert [t["delta_chisq"] for t in ours.tests] == pytest.approx(lrt["delta_chisq"], abs=1e-6)
    assert [t["pvalue"] for t in ours.tests] == pytest.approx(lrt["pvalue"], rel=1e-5, abs=1e-9)


def test_multigroup_gradient_matches_finite_differences():
    data = _three_groups(seed=9)
    moments = [mg.GroupMoments.of(g, x) for g, x in data.items()]
    model = mg.multigroup(measurement_model(THREE), list(data), frozenset({"loading"}))
    pos = {k: i for i, k in enumerate(model.keys)}
    theta = mg.start_values(model, moments) + 0.03

    def objective(t: np.ndarray) -> float:
        return sum(d.n * mg.discrepancy(d, mg.group_state(model, g, t, pos)) for g, d in enumerate(moments))

    grad = np.zeros(len(theta))
    for g, d in enumerate(moments):
        st = mg.group_state(model, g, theta, pos)
        r = d.mean - st.mu
        gm = st.inv - st.inv @ (d.cov + np.outer(r, r)) @ st.inv
        grad[st.index] += d.n * (st.d_sigma.reshape(len(st.index), -1) @ gm.ravel() - 2 * st.d_mu @ (st.inv @ r))
    h = 1e-6
    numeric = np.array([(objective(theta + h * e) - objective(theta - h * e)) / (2 * h) for e in np.eye(len(theta))])
    assert np.abs(grad - numeric).max() < 1e-4 * max(1.0, np.abs(numeric).max())


def test_planted_differences_are_detected_where_they_are_planted():
    rng_data = _three_groups(seed=21)
    # loadings differ (g2) -> metric rejected
    loading = invariance(THREE, {g: rng_data[g] for g in ("g1", "g2")}, "grp")
    assert [t["holds"] for t in loading.tests][0] is False
    # only an intercept differs (g3) -> metric holds, scalar rejected
    intercept = invariance(THREE, {g: rng_data[g] for g in ("g1", "g3")}, "grp")
    assert [t["holds"] for t in intercept.tests] == [True, False]
    # one population -> both hold, and the scalar model's latent means are near the truth (0)
    same = invariance(MODEL_TEST, _likert_bodies(), "body")
    assert [t["holds"] for t in same.tests] == [True, True]
    assert max(abs(v) for v in same.models["scalar"]["latent_means"]["astana"].values()) < 0.2
    # g2's latent mean was planted 0.3 above g1's: scalar invariance fails, but F2/F3 carry it
    assert 0.1 < invariance(THREE, {g: rng_data[g] for g in ("g1", "g2")}, "grp").models["scalar"][
        "latent_means"]["g2"]["F3"] < 0.6


def test_too_small_or_constant_groups_are_refused_naming_the_group():
    base = measurement_model(THREE)
    per_group = mg.multigroup(base, ["g"]).npar
    data = _three_groups()
    small = {"g1": data["g1"], "tiny": data["g2"][: per_group - 1]}
    with pytest.raises(GroupTooSmall, match=rf"group 'tiny' has {per_group - 1} respondent.*{per_group} parameters"):
        check_groups(base, small, "grp")
    const = {"g1": data["g1"], "flat": data["g3"].copy()}
    const["flat"][:, base.observed.index("b2")] = 4.0
    with pytest.raises(GroupTooSmall, match=r"group 'flat': item\(s\) \['b2'\] have the same answer"):
        check_groups(base, const, "grp")
    with pytest.raises(GroupTooSmall, match="at least two groups"):
        check_groups(base, {"g1": data["g1"]}, "grp")


def _export(path: Path, n_by_body: dict[str, int]) -> Path:
    df = demo_export(load_instruments(), n_by_body=n_by_body)
    df = df.with_columns(pl.Series("Region", (["north", "south"] * df.height)[: df.height]))
    df.write_csv(path)
    return path


def test_run_with_group_reports_json_text_and_mart_view_then_a_run_without_it_changes_nothing(db_path, tmp_path):
    import warehouse
    from pilotwatch import survey

    path = _export(tmp_path / "export.csv", {"acsa": 90, "astana": 110})
    doc = survey.run(str(path), "model_test", "2030", group="body")
    inv = doc["invariance"]
    assert {"configural", "metric", "scalar", "tests"} <= set(inv)
    assert inv["groups"] == {"acsa": 90, "astana": 110} and inv["reference_group"] == "acsa"
    for m in ("configural", "metric", "scalar"):
        assert {"chisq", "df", "cfi", "rmsea"} <= set(inv[m])
    assert [t["comparison"] for t in inv["tests"]] == ["configural→metric", "metric→scalar"]
    assert inv["metric"]["df"] - inv["configural"]["df"] == inv["tests"][0]["delta_df"] == 12  # 12 free loadings
    assert json.loads(survey.dumps(doc))["invariance"]["tests"][1]["delta_df"] == 18 - 6  # intercepts equal, latent means freed
    text = survey.as_text(doc)
    assert "Measurement invariance across body (acsa N=90, astana N=110" in text and "metric→scalar" in text
    con = warehouse.connect(read_only=True)
    try:
        rows = warehouse.frame(con, "SELECT * FROM mart.survey_invariance ORDER BY chisq")
    finally:
        con.close()
    assert rows["model"].to_list() == ["configural", "metric", "scalar"]
    assert rows["chisq"].to_list() == pytest.approx([inv[m]["chisq"] for m in ("configural", "metric", "scalar")])
    assert rows["delta_chisq"].to_list()[1:] == pytest.approx([t["delta_chisq"] for t in inv["tests"]])
    assert rows["groups"][0] == "acsa (90), astana (110)" and rows["synthetic"].to_list() == [False] * 3
    # grouping by a column the instrument does not know (the export's own "Region")
    by_region = survey.run(str(path), "model_test", "2030", group="region")["invariance"]
    assert set(by_region["groups"]) == {"north", "south"} and sum(by_region["groups"].values()) == 200
    # without --group the document has no invariance section and the wave's rows are replaced by none
    plain = survey.run(str(path), "model_test", "2030")
    assert "invariance" not in plain
    con = warehouse.connect(read_only=True)
    try:
        assert warehouse.one(con, "SELECT count(*) FROM mart.survey_invariance")[0] == 0
    finally:
        con.close()


def test_run_refuses_too_small_groups_and_publishes_nothing(db_path, tmp_path):
    from pilotwatch import survey

    path = _export(tmp_path / "small.csv", {"acsa": 35, "astana": 65})  # the thesis' split
    with pytest.raises(GroupTooSmall, match=r"group 'acsa' has 35 .* 69 parameters"):
        survey.run(str(path), "model_test", "2031", group="body")
    assert not db_path.exists() or "2031" not in str(_runs(db_path))
    with pytest.raises(ValueError, match=r"--group 'nonesuch': the export has no such column; use one of"):
        survey.run(str(path), "model_test", "2031", group="nonesuch")
    with pytest.raises(ValueError, match="model_test CFA"):
        survey.run(str(path), "employees", "2031", group="body")


def _runs(db_path: Path) -> list[tuple]:
    import warehouse

    con = warehouse.connect(read_only=True)
    try:
        return con.execute("SELECT wave FROM mart.survey_runs").fetchall()
    finally:
        con.close()

"""Bootstrap intervals of the mediation effects, against lavaan 0.6-14 on the same resamples.

Reference: ``tests/data/bootstrap_lavaan.json``, written by ``benchmarks/survey_bootstrap_lavaan.py``
(lavaan refits the structural model on each of the 200 resamples in ``bootstrap_indices.csv`` — the
indices ``transforms.survey.bootstrap.resample_indices`` draws — and its own ``parameterEstimates``
computes the ``perc`` and ``bca.simple`` intervals from those refits).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pilotwatch.survey.model import ModelSpec, fit, ram_model
from transforms.survey import sem
from transforms.survey.bootstrap import (
    MAX_DRAWS,
    MIN_DRAWS,
    bias_corrected,
    bootstrap_mediation,
    check_draws,
    mediation_effects,
    norm_inter,
    percentile,
    resample_indices,
)

DATA = Path(__file__).resolve().parents[1] / "data"
FACTORS = ["L", "S", "HC", "O", "R"]
CONSTRUCTS = {"L": ["L1", "L2"], "S": ["S1", "S2", "S3"], "HC": ["HC1", "HC2", "HC3", "HC4", "HC5"],
              "O": ["O1", "O2", "O3"], "R": ["R1", "R2", "R3"], "CC": ["CC"], "ICS": ["ICS1", "ICS2"]}
SPEC = ModelSpec(CONSTRUCTS)


@pytest.fixture(scope="module")
def lavaan() -> dict:
    return json.loads((DATA / "bootstrap_lavaan.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sample() -> tuple[pd.DataFrame, object]:
    data = pd.read_csv(DATA / "bootstrap_sample.csv").astype(float)
    cfa = fit(data, SPEC, "cfa")
    return data, fit(data, SPEC, "sem", start=cfa.values)


@pytest.fixture(scope="module")
def ours(sample) -> object:  # noqa: ANN001
    data, full = sample
    model = ram_model(SPEC, "sem")
    idx = np.loadtxt(DATA / "bootstrap_indices.csv", delimiter=",", dtype=int)
    return bootstrap_mediation(model, data[model.observed].to_numpy(float), full.values, FACTORS, len(idx),
                               indices=iter(idx))


def test_the_stored_indices_are_the_seeded_resamples() -> None:
    idx = np.loadtxt(DATA / "bootstrap_indices.csv", delimiter=",", dtype=int)
    assert np.array_equal(idx, np.vstack(list(resample_indices(100, len(idx), 1))))


def _lavaan_draws(lavaan: dict, key: str) -> np.ndarray:
    """lavaan's per-resample values of one defined effect, its failed resamples left out."""
    failed = {k - 1 for k in lavaan["failed"]}
    return np.array([d[key] for k, d in enumerate(lavaan["draws"]) if k not in failed], float)


def test_the_same_resamples_fail_in_lavaan_and_here(ours, lavaan) -> None:  # noqa: ANN001
    # two resamples drift to an improper solution (a residual variance running to minus infinity)
    assert lavaan["lavaan"] == "0.6.14" and lavaan["failed"] == [32, 65]
    assert ours.failed_draws == [k - 1 for k in lavaan["failed"]] and ours.failed == 2
    assert ours.failures == {"the optimizer did not converge": 2}


def test_each_resample_agrees_with_lavaan(ours, lavaan) -> None:  # noqa: ANN001
    """To lavaan's precision: its default nlminb stop (rel.tol 1e-10 on the objective) leaves estimates
    about 1e-6 from the optimum (median 1.2e-6, 95th percentile 9e-6 over the 1,980 effect values) and
    2e-3 on one flat resample; pilotwatch's Newton refits stop at the optimum."""
    diffs = []
    for f in FACTORS:
        for kind, key in (("indirect", "ind"), ("total", "tot")):
            theirs = _lavaan_draws(lavaan, f"{key}_{f}")
            mine = ours.samples[(f, kind)]
            assert len(mine) == len(theirs) == 198
            diffs.append(np.abs(mine - theirs))
    d = np.concatenate(diffs)
    assert np.median(d) < 5e-6 and np.quantile(d, 0.95) < 2e-5 and d.max() < 5e-3, (np.median(d), d.max())


def test_full_sample_effects_agree_with_lavaan(sample, lavaan) -> None:  # noqa: ANN001
    _, full = sample
    for (f, kind), v in mediation_effects(full.values, FACTORS).items():
        # lavaan's default stop leaves its estimates ~1e-6 from the optimum (4e-6 for Leadership's total)
        assert v == pytest.approx(lavaan["estimates"][f"{'ind' if kind == 'indirect' else 'tot'}_{f}"], abs=1e-5)


@pytest.mark.parametrize("kind", ["indirect", "total"])
def test_interval_definitions_reproduce_lavaan_on_its_own_draws(lavaan, kind) -> None:  # noqa: ANN001
    """percentile = lavaan's perc, bias_corrected = lavaan's bca.simple, to rounding, from lavaan's draws."""
    key = "ind" if kind == "indirect" else "tot"
    for f in FACTORS:
        t = _lavaan_draws(lavaan, f"{key}_{f}")
        est = lavaan["estimates"][f"{key}_{f}"]
        assert percentile(t) == pytest.approx(tuple(lavaan["perc"][f"{key}_{f}"]), abs=1e-12)
        assert bias_corrected(t, est) == pytest.approx(tuple(lavaan["bca_simple"][f"{key}_{f}"]), abs=1e-12)


def test_our_intervals_match_lavaans(ours, lavaan) -> None:  # noqa: ANN001
    for i in ours.intervals:
        key = f"{'ind' if i.effect == 'indirect' else 'tot'}_{i.factor}"
        assert i.percentile == pytest.approx(tuple(lavaan["perc"][key]), abs=1e-4)  # worst 3e-5
        assert i.bias_corrected == pytest.approx(tuple(lavaan["bca_simple"][key]), abs=1e-4)
        assert i.percentile[0] < i.percentile[1]


def test_norm_inter_by_hand() -> None:
    t = np.arange(1.0, 20.0)  # R = 19: (R + 1) * 0.05 = 1 and (R + 1) * 0.95 = 19 are order statistics
    assert norm_inter(t, [0.05, 0.95]) == [1.0, 19.0]
    # between order statistics: interpolation on the normal scale, between t_(k) and t_(k+1)
    lo = norm_inter(np.arange(1.0, 41.0), [0.025])[0]  # R = 40, rank 1.025
    assert 1.0 < lo < 2.0
    assert norm_inter([5.0, float("nan"), 1.0], [0.0])[0] == 1.0  # non-finite draws are dropped


def test_bias_correction_moves_the_interval_towards_the_skew() -> None:
    rng = np.random.default_rng(3)
    t = rng.lognormal(0, 0.5, 2000)
    est = float(np.median(t)) * 0.8  # most draws lie above the estimate: bias correction shifts down
    (plo, phi), (blo, bhi) = percentile(t), bias_corrected(t, est)
    assert blo < plo and bhi < phi
    assert bias_corrected(t, float(np.median(t))) == pytest.approx(percentile(t), rel=1e-2)


def test_same_seed_same_intervals_another_seed_others(sample) -> None:  # noqa: ANN001
    data, full = sample
    model = ram_model(SPEC, "sem")
    x = data[model.observed].to_numpy(float)
    a = bootstrap_mediation(model, x, full.values, FACTORS, 30, seed=11)
    b = bootstrap_mediation(model, x, full.values, FACTORS, 30, seed=11)
    c = bootstrap_mediation(model, x, full.values, FACTORS, 30, seed=12)
    assert [i.percentile for i in a.intervals] == [i.percentile for i in b.intervals]
    assert [i.percentile for i in a.intervals] != [i.percentile for i in c.intervals]


def test_failed_resamples_are_counted_not_dropped_silently(sample) -> None:  # noqa: ANN001
    data, full = sample
    model = ram_model(SPEC, "sem")
    x = data[model.observed].to_numpy(float)
    # R3 answered 3 by everyone but respondent 0: a resample without respondent 0 has an item without variance
    col = model.observed.index("R3")
    x[:, col] = 3.0
    x[0, col] = 5.0
    start = fit(pd.DataFrame(x, columns=model.observed), SPEC, "sem").values
    idx = list(resample_indices(len(x), 40, 5))
    expected = sum(0 not in i for i in idx)
    assert 0 < expected < 40
    r = bootstrap_mediation(model, x, start, FACTORS, 40, seed=5)
    assert r.failed >= expected and r.failures["an item has no variance in the resample"] == expected
    assert all(len(s) == 40 - r.failed for s in r.samples.values())
    # an optimizer that cannot converge fails every resample: counted, and no interval is made up
    none = bootstrap_mediation(model, data[model.observed].to_numpy(float), full.values, FACTORS, 5, max_iter=1)
    assert none.failed == 5 and none.failures == {"the optimizer did not converge": 5}
    assert all(np.isnan(i.percentile).all() and np.isnan(i.bias_corrected).all() for i in none.intervals)


@pytest.mark.parametrize("n", [0, MIN_DRAWS - 1, MAX_DRAWS + 1, 10**9])
def test_insane_numbers_of_draws_are_refused(n: int) -> None:
    with pytest.raises(ValueError, match=f"from {MIN_DRAWS}"):
        check_draws(n)
    assert check_draws(1000) == 1000


def test_rank_two_gradient_and_hessian_equal_the_full_jacobian_ones(sample) -> None:  # noqa: ANN001
    data, full = sample
    model = ram_model(SPEC, "sem")
    s = np.cov(data[model.observed].to_numpy(float), rowvar=False, bias=True)
    x = sem.start_values(model, s) * 1.1
    sigma, m, w, _ = sem.implied(model, x)
    inv = np.linalg.inv(sigma)
    d = sem.jacobian(model, m, w)
    g_full = d.reshape(len(x), -1) @ (inv - inv @ s @ inv).ravel()
    grad, hess = sem.gradient_hessian(inv, s, *sem.rank2_factors(model, m, w))
    assert np.allclose(grad, g_full, rtol=1e-10, atol=1e-12)
    assert np.allclose(hess, sem.expected_hessian(inv, d), rtol=1e-10, atol=1e-12)


# -- the command: JSON, text, warehouse ----------------------------------------------------------


def _strip_bootstrap(doc: dict) -> dict:
    out = {k: v for k, v in doc.items() if k != "bootstrap"}
    out["estimates"] = [{k: v for k, v in e.items() if k != "bootstrap"} for e in doc["estimates"]]
    return out


def _mart(sql: str) -> list[tuple]:
    import warehouse

    con = warehouse.connect(read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_cli_bootstrap_json_text_and_mart_columns(db_path: Path, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from pilotwatch.cli import main

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    assert main(["survey", "model_test", "--demo", "--json", "--bootstrap", "100", "--seed", "5"]) == 0
    doc = json.loads(capsys.readouterr().out)
    b = doc["bootstrap"]
    assert b["draws"] == 100 and b["seed"] == 5 and b["level"] == 0.95 and b["successful"] + b["failed"] == 100
    effects = [e for e in doc["estimates"] if e["op"] == "effect"]
    assert len(effects) == 15
    for e in effects:
        if e["kind"] == "direct":
            assert "bootstrap" not in e
            continue
        eb = e["bootstrap"]
        assert set(eb) == {"percentile", "bias_corrected", "level", "draws", "failed"}
        assert eb["draws"] == 100 and eb["failed"] == b["failed"]
        lo, hi = eb["percentile"]
        assert lo < hi and lo < e["estimate"] < hi  # a skewed interval still holds the estimate here
    assert all("bootstrap" not in e for e in doc["estimates"] if e["op"] != "effect")
    # the same intervals in mart.survey_estimates, NULL elsewhere
    rows = _mart("SELECT rhs, kind, boot_lo, boot_hi, boot_bc_lo, boot_bc_hi, boot_level, boot_draws, boot_failed, "
                 "boot_seed FROM mart.survey_estimates WHERE boot_lo IS NOT NULL ORDER BY rhs, kind")
    assert len(rows) == 10 and {r[1] for r in rows} == {"indirect", "total"}
    by = {(e["rhs"], e["kind"]): e["bootstrap"] for e in effects if "bootstrap" in e}
    for rhs, kind, lo, hi, blo, bhi, level, draws, failed, seed in rows:
        assert [lo, hi] == pytest.approx(by[(rhs, kind)]["percentile"])
        assert [blo, bhi] == pytest.approx(by[(rhs, kind)]["bias_corrected"])
        assert (level, draws, failed, seed) == (0.95, 100, b["failed"], 5)
    # without --bootstrap: the same document without its bootstrap entries, and the columns NULL again
    assert main(["survey", "model_test", "--demo", "--json"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert "bootstrap" not in json.dumps(plain)
    with_boot = _strip_bootstrap(doc)
    with_boot["warnings"] = [w for w in with_boot["warnings"] if not w.startswith("bootstrap:")]
    assert with_boot == plain
    assert _mart("SELECT count(*) FROM mart.survey_estimates WHERE boot_lo IS NOT NULL OR boot_draws IS NOT NULL") \
        == [(0,)]
    # the text report has the section only with --bootstrap
    assert main(["survey", "model_test", "--demo", "--bootstrap", "100"]) == 0
    text = capsys.readouterr().out
    assert "Bootstrap 95% intervals of the indirect and total effects (100 resamples, seed 20190423" in text
    assert "L -> ICS [indirect]" in text


@pytest.mark.parametrize(("argv", "message"), [
    (["--bootstrap", "5"], "from 100 to 20,000"),
    (["--bootstrap", "1000000"], "from 100 to 20,000"),
    (["--seed", "3"], "--seed only applies with --bootstrap"),
])
def test_cli_refuses_a_bootstrap_it_cannot_run_sanely(db_path: Path, argv: list[str], message: str) -> None:
    from pilotwatch.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["survey", "model_test", "--demo", *argv])
    assert message in str(exc.value)
    assert not db_path.exists()  # refused before anything was read or written

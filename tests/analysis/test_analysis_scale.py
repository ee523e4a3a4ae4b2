"""The analysis at national scale: every body and scenario at once gives what each would alone.

Synthetic bodies from ``benchmarks/analysis_scale.py`` (random walks, gaps every 37th / 50th body),
so the oracles here are the one-at-a-time definitions: a sensitivity scenario is the CER table
recomputed with that scenario's inflation or base year, and a chunk of bodies computed alone gives
exactly its rows of the whole.
"""

from __future__ import annotations

import dataclasses

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from benchmarks.analysis_scale import synthetic_inputs
from pilotwatch import analysis
from pilotwatch.analysis.config import load_analysis_config
from transforms.analysis.cer import CerParams, cer_table, sensitivity
from transforms.analysis.windows import pilot_windows, select_basis

N_BODIES = 60


@pytest.fixture(scope="module")
def inputs() -> analysis.Inputs:
    return synthetic_inputs(N_BODIES, 8)


def _one_scenario(cer: pl.DataFrame, parameter: str, value: float) -> pl.DataFrame:
    """A scenario's rows by definition: the tested years of one CER table, pilot and standard side by side."""
    tested = cer.filter(pl.col("in_test").fill_null(False))
    p = tested.filter(pl.col("mode") == "pilot").select("body_code", "year", "base_year", "status",
                                                        pl.col("cer").alias("pilot_cer"))
    s = tested.filter(pl.col("mode") == "standard").select(
        "body_code", "year", pl.col("cost_musd").alias("standard_cost_musd"),
        pl.col("effectiveness_pct").alias("standard_effectiveness_pct"), pl.col("cer").alias("standard_cer"))
    return p.join(s, on=["body_code", "year"]).select(
        "body_code", pl.lit(parameter).alias("parameter"), pl.lit(value).alias("value"), "base_year", "year",
        "standard_cost_musd", "standard_effectiveness_pct", "standard_cer", "pilot_cer",
        (pl.col("pilot_cer") > pl.col("standard_cer")).alias("pilot_cer_higher"), "status",
    )


@pytest.mark.parametrize("config", ["default", "thesis"])
def test_every_sensitivity_scenario_equals_its_own_cer_table(inputs: analysis.Inputs, config: str) -> None:
    cfg = load_analysis_config(config, None)
    facts = select_basis(inputs.facts, list(cfg.value_basis))
    windows = pilot_windows(inputs.bodies, facts, base_year=None if cfg.base_year == "year_before_pilot"
                            else int(cfg.base_year))
    params = CerParams(inflation_series=cfg.inflation.series, constant_pct=cfg.inflation.constant_pct,
                       standard_cost_step=cfg.rounding.standard_cost_step, cer_decimals=cfg.rounding.cer_decimals)
    inflation = inputs.inflation.select("year", "pct")
    pcts = [0.0, 3.0, 7.5]
    grid = sensitivity(windows, facts, params, inflation, inflation_pcts=pcts)
    usable = windows.filter(pl.col("window_missing").list.len() == 0)
    expected = [
        _one_scenario(cer_table(usable, facts, dataclasses.replace(params, inflation_series=None, constant_pct=p)),
                      "inflation_pct", p)
        for p in pcts
    ]
    years = sorted(facts.join(usable.select("body_code"), on="body_code")["year"].unique().to_list())
    for b in years:
        w = usable.with_columns(base_year=pl.lit(b, dtype=pl.Int64)).filter(pl.col("base_year") < pl.col("end_year"))
        expected.append(_one_scenario(cer_table(w, facts, params, inflation), "base_year", float(b)))
    want = pl.concat(expected).sort("body_code", "parameter", "value", "year")
    assert grid.height == want.height > N_BODIES * len(pcts)
    assert_frame_equal(grid.drop("is_configured"), want, check_exact=True)
    # the configured scenario is flagged once per body and tested year, and only where it exists
    flagged = grid.filter("is_configured")
    assert flagged.filter(pl.col("parameter") == "base_year").height > 0
    assert flagged.group_by("body_code", "year", "parameter").len()["len"].max() == 1


def test_chunks_of_bodies_give_exactly_their_rows_of_the_whole(inputs: analysis.Inputs) -> None:
    cfg = load_analysis_config("default", None)
    whole = analysis.compute(inputs, cfg)
    bodies = analysis.pilot_bodies(inputs)
    parts = analysis.chunks(bodies, max_chunks=7)
    assert len(parts) == 7 and sorted(b for c in parts for b in c) == bodies
    combined = analysis.combine([analysis.compute(analysis.for_bodies(inputs, c), cfg) for c in parts])
    for f in dataclasses.fields(analysis.Results):
        if f.name == "load_ids":
            assert combined.load_ids == whole.load_ids
            continue
        a, b = getattr(whole, f.name), getattr(combined, f.name)
        key = [c for c, t in a.schema.items() if not t.is_nested()]
        assert_frame_equal(a.sort(key, nulls_last=True), b.select(a.columns).sort(key, nulls_last=True),
                           check_exact=True)


def test_synthetic_bodies_reach_every_outcome(inputs: analysis.Inputs) -> None:
    """The generator exercises the paths the benchmark times: both verdicts and the gaps."""
    r = analysis.compute(inputs, load_analysis_config("default", None))
    assert set(r.decisions["verdict"].drop_nulls().to_list()) == {"H0", "H1"}
    assert r.cer.filter(pl.col("status") == "insufficient_data")["body_code"].n_unique() >= 2
    assert set(r.factor_effects["effect"].drop_nulls().to_list()) == {"positive", "negative"}

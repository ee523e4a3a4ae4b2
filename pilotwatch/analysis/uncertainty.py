"""The analysis run's probabilistic CER: configuration in, result frames out (glue, pure).

The computation is :mod:`transforms.analysis.uncertainty`; this module turns a configuration's
``uncertainty`` section into its parameters and names the frames the run stores
(``core.analysis_cer_uncertainty``, ``core.analysis_ce_acceptability``,
``core.analysis_verdict_probability``, shown by the mart views of migration 060). Kept apart from
``steps.py`` so the run's recipe stays a few lines longer, not a screen.
"""

from __future__ import annotations

import polars as pl

from pilotwatch.analysis.config import AnalysisConfig
from transforms.analysis import uncertainty as u

#: Results frame -> warehouse table (merged into ``steps.TABLES``).
TABLES = {
    "cer_uncertainty": "core.analysis_cer_uncertainty",
    "ce_acceptability": "core.analysis_ce_acceptability",
    "verdict_probability": "core.analysis_verdict_probability",
}


def params(cfg: AnalysisConfig) -> u.UncertaintyParams | None:
    """The simulation's parameters, or None when the configuration has no ``uncertainty`` section."""
    unc = cfg.uncertainty
    if unc is None:
        return None
    return u.UncertaintyParams(
        draws=unc.draws, seed=unc.seed, score_sd=unc.score_sd, fund_share=unc.fund_share,
        inflation_pct=None if unc.inflation_pct is None else (float(unc.inflation_pct[0]), float(unc.inflation_pct[1])),
        wtp=tuple(unc.wtp.values()),
    )


def compute(cer: pl.DataFrame, decisions: pl.DataFrame, cfg: AnalysisConfig) -> dict[str, pl.DataFrame]:
    """The three result frames (empty when the feature is off for ``cfg``)."""
    p = params(cfg)
    if p is None:
        return {name: pl.DataFrame() for name in TABLES}
    sim = u.simulate(cer, p, cfg.verdict.cost_years)
    return {
        "cer_uncertainty": sim.intervals,
        "ce_acceptability": sim.acceptability,
        "verdict_probability": u.verdict_probability(decisions, sim.cost_side, p),
    }

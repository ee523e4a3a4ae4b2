"""What an analysis run does, independent of the orchestrator (the Prefect flow only wires it).

:func:`read_inputs` reads the registry, facts and inflation from a warehouse connection;
:func:`compute` is pure (the transforms, wired by one configuration); :func:`store` records the run
and its results. ``pilotwatch reproduce`` uses :func:`compute` alone, in memory, on a read-only
connection, so it never competes with a writer.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field, fields

import duckdb
import polars as pl

from pilotwatch.analysis import uncertainty as uncertainty_glue
from pilotwatch.analysis.config import AnalysisConfig, code_version
from transforms.analysis import cer as cer_t
from transforms.analysis import effects as effects_t
from transforms.analysis import frontier as frontier_t
from transforms.analysis import grades as grades_t
from transforms.analysis import money as money_t
from transforms.analysis import verdicts as verdicts_t
from transforms.analysis.windows import pilot_windows, select_basis
from warehouse import frame, replace_rows, sql, transaction, utc_now


class AnalysisInputError(ValueError):
    """The configuration names something the warehouse does not have (an indicator, a series, a body)."""


_NO_RATES = pl.DataFrame(schema={"series": pl.String, "year": pl.Int64, "pct": pl.Float64, "load_id": pl.Int64})


@dataclass(frozen=True)
class Inputs:
    facts: pl.DataFrame       # body_code, year, indicator, value, basis, load_id
    bodies: pl.DataFrame      # core.bodies
    indicators: pl.DataFrame  # core.indicators
    inflation: pl.DataFrame   # year, pct, load_id (empty for a constant rate)
    #: series, year, pct, load_id: the money section's deflator and exchange rate (empty when not needed)
    money_rates: pl.DataFrame = field(default_factory=lambda: _NO_RATES)


@dataclass(frozen=True)
class Results:
    cer: pl.DataFrame
    cer_incremental: pl.DataFrame
    cer_sensitivity: pl.DataFrame
    indicator_effects: pl.DataFrame
    factor_effects: pl.DataFrame
    decisions: pl.DataFrame
    verdicts: pl.DataFrame
    robustness: pl.DataFrame
    grades: pl.DataFrame
    load_ids: list[int]
    cer_uncertainty: pl.DataFrame = field(default_factory=pl.DataFrame)      # empty: no uncertainty section
    ce_acceptability: pl.DataFrame = field(default_factory=pl.DataFrame)
    verdict_probability: pl.DataFrame = field(default_factory=pl.DataFrame)
    ce_plane: pl.DataFrame = field(default_factory=pl.DataFrame)


#: Results frame -> warehouse table.
TABLES = {
    "cer": "core.analysis_cer",
    "cer_incremental": "core.analysis_cer_incremental",
    "cer_sensitivity": "core.analysis_cer_sensitivity",
    "indicator_effects": "core.analysis_indicator_effects",
    "factor_effects": "core.analysis_factor_effects",
    "verdicts": "core.analysis_verdicts",
    "robustness": "core.analysis_robustness",
    "grades": "core.analysis_grades",
    **uncertainty_glue.TABLES,
    "ce_plane": "core.analysis_ce_plane",
}


def read_inputs(con: duckdb.DuckDBPyConnection, cfg: AnalysisConfig) -> Inputs:
    series = cfg.inflation.series
    inflation = (
        frame(con, sql("analysis_inflation"), [series])
        if series
        else pl.DataFrame(schema={"year": pl.Int64, "pct": pl.Float64, "load_id": pl.Int64})
    )
    return Inputs(
        facts=frame(con, sql("analysis_facts")),
        bodies=frame(con, "SELECT body_code, name_en, kind, level, peer_group, pilot, pilot_start_year FROM core.bodies"),
        indicators=frame(con, "SELECT indicator, factor, role, direction FROM core.indicators"),
        inflation=inflation,
        money_rates=_money_rates(con, cfg),
    )


def _money_rates(con: duckdb.DuckDBPyConnection, cfg: AnalysisConfig) -> pl.DataFrame:
    """The deflator and exchange-rate series the money section needs (none for nominal amounts in USD)."""
    m = cfg.money
    names = ([m.deflator] if m.price_year != "nominal" else []) + (
        [m.exchange_rate] if m.price_year != "nominal" or m.currency != "USD" else [])
    parts = [frame(con, sql("analysis_inflation"), [n]).with_columns(series=pl.lit(n)) for n in names]
    return pl.concat(parts, how="vertical_relaxed").select("series", "year", "pct", "load_id") if parts else _NO_RATES


def _check(inputs: Inputs, cfg: AnalysisConfig) -> None:
    known = set(inputs.indicators["indicator"].to_list())
    for what, name in (("effectiveness_indicator", cfg.effectiveness_indicator),
                       ("cost_indicator", cfg.cost_indicator), ("grades.indicator", cfg.grades.indicator)):
        if name not in known:
            raise AnalysisInputError(f"configuration {cfg.name!r}: {what} {name!r} is not in core.indicators")
    peer = cfg.effects.peer_group
    if peer != "registry" and peer not in set(inputs.bodies["body_code"].to_list()):
        raise AnalysisInputError(f"configuration {cfg.name!r}: effects.peer_group {peer!r} is not in core.bodies")
    for name in {cfg.money.deflator, cfg.money.exchange_rate} - set(inputs.money_rates["series"].to_list()):
        needed = (name == cfg.money.deflator and cfg.money.price_year != "nominal") or (
            name == cfg.money.exchange_rate and (cfg.money.price_year != "nominal" or cfg.money.currency != "USD"))
        if needed:
            raise AnalysisInputError(f"configuration {cfg.name!r}: money needs macro series {name!r}, which has no values "
                                     "in core.macro_series (see mart.macro)")
    if cfg.inflation.series and inputs.inflation.is_empty():
        raise AnalysisInputError(
            f"configuration {cfg.name!r}: inflation series {cfg.inflation.series!r} has no values in core.macro_series "
            "(see mart.macro; load it, or use inflation.constant_pct)"
        )


def compute(inputs: Inputs, cfg: AnalysisConfig) -> Results:
    """Every analysis result for one configuration (pure: frames in, frames out)."""
    _check(inputs, cfg)
    facts = select_basis(inputs.facts, list(cfg.value_basis))
    windows = pilot_windows(
        inputs.bodies, facts,
        base_year=None if cfg.base_year == "year_before_pilot" else int(cfg.base_year),
        end_year=None if cfg.end_year == "latest" else int(cfg.end_year),
        peer_group=cfg.effects.peer_group,
    )
    params = cer_t.CerParams(
        effectiveness_indicator=cfg.effectiveness_indicator,
        cost_indicator=cfg.cost_indicator,
        inflation_series=cfg.inflation.series,
        constant_pct=cfg.inflation.constant_pct,
        standard_cost_step=cfg.rounding.standard_cost_step,
        cer_decimals=cfg.rounding.cer_decimals,
    )
    inflation = inputs.inflation.select("year", "pct")
    sens = cfg.sensitivity
    cer, incremental, sensitivity, _ = money_t.restate(
        cer_t.cer_table(windows, facts, params, inflation),
        cer_t.sensitivity(windows, facts, params, inflation, inflation_pcts=sens.inflation_pct.values(),
                          base_years=None if sens.base_years == "all" else list(sens.base_years)),
        cer_t.incremental, _money_params(cfg), inputs.money_rates, cfg.rounding.cer_decimals,
    )
    cost = cer_t.cost_test(cer, cfg.verdict.cost_years)
    indicator_rows = effects_t.indicator_effects(windows, inputs.indicators, facts, cfg.effects.rules)
    factor_rows = effects_t.factor_effects(indicator_rows)
    rule = cfg.effects.default_rule
    decisions = verdicts_t.decide(factor_rows, cost, cost_side=cfg.verdict.cost_side, default_rule=rule)
    load_ids = sorted(set(facts["load_id"].to_list()) | set(inputs.inflation["load_id"].to_list())
                      | set(inputs.money_rates["load_id"].to_list()))
    return Results(
        cer=cer,
        cer_incremental=incremental,
        cer_sensitivity=sensitivity,
        indicator_effects=indicator_rows,
        factor_effects=factor_rows,
        decisions=decisions,
        verdicts=verdicts_t.hypothesis_rows(decisions),
        robustness=verdicts_t.robustness(decisions, rule),
        grades=grades_t.grades(facts, cfg.grades.indicator, cfg.grades.bands.as_list()),
        load_ids=[int(i) for i in load_ids],
        **uncertainty_glue.compute(cer, decisions, cfg),
        ce_plane=_plane(incremental),
    )


def _plane(incremental: pl.DataFrame) -> pl.DataFrame:
    """The CE plane of every body-year in ``incremental`` (all bodies at once: scope ``year`` compares them)."""
    return money_t.label_plane(frontier_t.plane(incremental), incremental)


def _money_params(cfg: AnalysisConfig) -> money_t.MoneyParams:
    m = cfg.money
    return money_t.MoneyParams(
        price_year=None if m.price_year == "nominal" else int(m.price_year), currency=m.currency,
        discount_rate_pct=m.discount_rate_pct,
        discount_base_year=None if m.discount_base_year == "base_year" else int(m.discount_base_year),
        deflator_series=m.deflator, exchange_rate_series=m.exchange_rate,
    )



def start_run(con: duckdb.DuckDBPyConnection, cfg: AnalysisConfig, flow_run_id: str | None = None) -> str:
    """Record a run as ``running``; a run that fails stays recorded with its error."""
    run_id = str(uuid.uuid4())
    con.execute(
        sql("analysis_start_run"),
        [run_id, cfg.name, json.dumps(cfg.parameters()), [], cfg.inflation.series, flow_run_id, utc_now(),
         code_version()],
    )
    return run_id


def fail_run(con: duckdb.DuckDBPyConnection, run_id: str, message: str) -> None:
    con.execute("UPDATE meta.analysis_runs SET status = 'failed', finished_at = ?, message = ? WHERE run_id = ?",
                [utc_now(), message[:2000], run_id])


def store(con: duckdb.DuckDBPyConnection, run_id: str, cfg: AnalysisConfig, results: Results) -> dict[str, int]:
    """Write every results frame under ``run_id`` and mark the run ``ok`` (one transaction)."""
    counts: dict[str, int] = {}
    with transaction(con):
        for f in fields(Results):
            if f.name not in TABLES:
                continue
            df = getattr(results, f.name)
            if df.is_empty():
                counts[f.name] = 0
                continue
            df = df.with_columns(run_id=pl.lit(run_id), config=pl.lit(cfg.name))
            counts[f.name] = replace_rows(con, TABLES[f.name], df, key=["run_id"])
        con.execute(
            "UPDATE meta.analysis_runs SET status = 'ok', finished_at = ?, load_ids = ?, row_counts = ? WHERE run_id = ?",
            [utc_now(), results.load_ids, json.dumps(counts), run_id],
        )
    return counts


def summary(cfg: AnalysisConfig, results: Results) -> str:
    """A few lines for the refresh log and ``pilotwatch analyse``."""
    rob = results.robustness
    ok = rob.filter(pl.col("status") == "ok")
    gaps = rob.filter(pl.col("status") != "ok")
    lines = [
        f"analysis [{cfg.name}]: inflation {cfg.inflation.label()}, default effect rule {cfg.effects.default_rule}, "
        f"cost side {cfg.verdict.cost_side} (formula (2) in {'every year' if cfg.verdict.cost_years == 'every' else 'the last year'})"
    ]
    for r in ok.iter_rows(named=True):
        flips = ", ".join(r["flipping_rules"]) or "none"
        eflips = ", ".join(r["effects_flipping_rules"]) or "none"
        lines.append(
            f"  {r['body_code']:<10} {r['verdict']} ({r['cost_test']}); holds under every rule: "
            f"{'yes' if r['holds_under_every_rule'] else 'no'} (flipped by: {flips}); "
            f"factor side alone {r['effects_verdict']}, flipped by: {eflips}"
        )
    if gaps.height:
        lines.append(f"  insufficient_data: {', '.join(gaps['body_code'].to_list())} (see mart.verdicts.missing)")
    return "\n".join(lines)


# ---------------------------------------------------------------- fan-out per body (scale-out)


def pilot_bodies(inputs: Inputs) -> list[str]:
    """The pilot bodies the analysis is about: the unit of fan-out."""
    b = inputs.bodies
    return sorted(b.filter(pl.col("pilot") & (pl.col("kind") == "body"))["body_code"].to_list())


#: At most this many chunks when the analysis fans out: enough to keep a cluster's workers busy, few
#: enough that orchestration (a task run each) stays a small part of the work (0.3 s per body when
#: every body was its own task at 250 bodies).
MAX_CHUNKS = 16


def chunks(bodies: list[str], max_chunks: int = MAX_CHUNKS) -> list[list[str]]:
    """``bodies`` in at most ``max_chunks`` consecutive chunks of equal size (the last may be shorter)."""
    size = max(1, -(-len(bodies) // max_chunks))
    return [bodies[i:i + size] for i in range(0, len(bodies), size)]


def for_bodies(inputs: Inputs, bodies: list[str]) -> Inputs:
    """The inputs the results of ``bodies`` depend on: themselves, every peer group and every non-pilot body.

    Results for ``bodies`` computed from these equal their rows in ``compute(inputs)``
    (tests/ops/test_ops_scaleout.py checks it), so chunks of bodies can be computed anywhere.
    """
    others = set(pilot_bodies(inputs)) - set(bodies)
    keep = pl.col("body_code").is_in(sorted(others)).not_()
    return Inputs(facts=inputs.facts.filter(keep), bodies=inputs.bodies.filter(keep),
                  indicators=inputs.indicators, inflation=inputs.inflation, money_rates=inputs.money_rates)


def for_body(inputs: Inputs, body: str) -> Inputs:
    """The inputs one pilot body's results depend on (see :func:`for_bodies`)."""
    return for_bodies(inputs, [body])


def combine(parts: list[Results]) -> Results:
    """Concatenate per-chunk results; rows every part shares (peer groups' grades) appear once."""
    if len(parts) == 1:
        return parts[0]
    frames = {}
    for name in (TABLES.keys() - {"ce_plane"}) | {"decisions"}:
        frames[name] = pl.concat([getattr(p, name) for p in parts], how="vertical_relaxed").unique(maintain_order=True)
    frames["ce_plane"] = _plane(frames["cer_incremental"])  # a year's frontier needs every body of the year
    return Results(**frames, load_ids=sorted({i for p in parts for i in p.load_ids}))

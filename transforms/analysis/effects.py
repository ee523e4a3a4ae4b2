"""Factor effects (thesis Table 20, Annex N Table 2) under named, direction-aware rules (pure).

The method: "a negative effect is a decrease in the values of indicators that reflect each of the
factors in the analysed period"; a factor with several indicators (Citizen Centricity) is positive
only if all of them are. The thesis does not say which window "the analysed period" is, and no
single window reproduces every cell of its Table 20, so every rule is computed:

=================  =========================================================================
rule               the indicator's effect is positive when (``d`` = +1 higher-is-better, -1 lower)
=================  =========================================================================
endpoint           d * (value[last] - value[base]) >= 0
pilot_window       d * (value[last] - value[first pilot year]) >= 0
first_pilot_step   d * (value[first pilot year + 1] - value[first pilot year]) >= 0
no_decline         d * (value[t] - value[t-1]) >= 0 for every step t within the pilot years
vs_peer            d * (value[last] - peer[last]) >= 0
gain_vs_peer       d * ((value[last] - value[base]) - (peer[last] - peer[base])) >= 0
=================  =========================================================================

Each rule is a set of *terms* (body or peer, year, coefficient) per step; the ``margin`` is
``d * sum(coefficient * value)``, minimised over steps (only ``no_decline`` has several), so one
vectorised computation serves every rule and the terms are the inputs an analyst sees. No change
(margin 0) is not a decrease, so it counts as positive.
"""

from __future__ import annotations

import polars as pl

RULES = ("endpoint", "pilot_window", "first_pilot_step", "no_decline", "vs_peer", "gain_vs_peer")
EFFECT_ROLES = ("effect", "mediator")
#: Margins are compared after rounding to this many decimals, so 79.6 - 73.5 equals 75.7 - 69.6.
PRECISION = 9

INPUT = pl.Struct({"body_code": pl.String, "year": pl.Int32, "value": pl.Float64})
FACTOR_INPUT = pl.Struct({"indicator": pl.String, "body_code": pl.String, "year": pl.Int32, "value": pl.Float64})

INDICATOR_COLUMNS = [
    "body_code", "factor", "role", "indicator", "direction", "rule", "peer_code", "from_year", "to_year",
    "margin", "effect", "inputs", "explanation", "status", "missing",
]
FACTOR_COLUMNS = [
    "body_code", "factor", "role", "rule", "effect", "n_indicators", "negative_indicators", "inputs",
    "explanation", "status", "missing",
]

_B, _S, _E = pl.col("base_year"), pl.col("pilot_start_year"), pl.col("end_year")
_BODY, _PEER = pl.col("body_code"), pl.col("peer_code")


def _rule_problem(rule: str) -> pl.Expr:
    """Why a rule cannot be applied to a window (null when it can)."""
    no_peer = pl.when(_PEER.is_null()).then(pl.lit("a peer group (core.bodies.peer_group)"))
    checks = {
        "endpoint": pl.when(_E <= _B).then(pl.format("a year after the base year {}", _B)),
        "pilot_window": pl.when(_E <= _S).then(pl.format("a pilot year after {}", _S)),
        "first_pilot_step": pl.when(_E < _S + 1).then(pl.format("the year {}", _S + 1)),
        "no_decline": pl.when(_E <= _S).then(pl.format("a pilot year after {}", _S)),
        "vs_peer": no_peer,
        "gain_vs_peer": pl.coalesce(no_peer, pl.when(_E <= _B).then(pl.format("a year after the base year {}", _B))),
    }
    return checks[rule]


def _terms(rule: str, frame: pl.DataFrame) -> pl.DataFrame:
    """The (who, year, coefficient) terms of ``rule`` for each row of ``frame``, one step unless no_decline."""

    def t(who: pl.Expr, year: pl.Expr, coef: float, step: pl.Expr | None = None) -> pl.DataFrame:
        return frame.select(
            "body_code", "indicator", "rule",
            (step if step is not None else pl.lit(0)).cast(pl.Int64).alias("step"),
            who.alias("of_body"), year.cast(pl.Int64).alias("year"), pl.lit(coef).alias("coef"),
        )

    if rule == "no_decline":
        frame = frame.with_columns(_step=pl.int_ranges(_S + 1, _E + 1)).explode("_step")
        s = pl.col("_step")
        return pl.concat([t(_BODY, s, 1.0, s), t(_BODY, s - 1, -1.0, s)])
    spec = {
        "endpoint": [(_BODY, _E, 1.0), (_BODY, _B, -1.0)],
        "pilot_window": [(_BODY, _E, 1.0), (_BODY, _S, -1.0)],
        "first_pilot_step": [(_BODY, _S + 1, 1.0), (_BODY, _S, -1.0)],
        "vs_peer": [(_BODY, _E, 1.0), (_PEER, _E, -1.0)],
        "gain_vs_peer": [(_BODY, _E, 1.0), (_BODY, _B, -1.0), (_PEER, _E, -1.0), (_PEER, _B, 1.0)],
    }[rule]
    return pl.concat([t(who, year, coef) for who, year, coef in spec])


def indicator_effects(
    windows: pl.DataFrame, indicators: pl.DataFrame, facts: pl.DataFrame, rules: list[str] | tuple[str, ...] = RULES
) -> pl.DataFrame:
    """One row per pilot body, effect/mediator indicator and rule (see ``INDICATOR_COLUMNS``).

    ``windows``: :func:`transforms.analysis.windows.pilot_windows`; ``indicators``: indicator, factor, role,
    direction (core.indicators); ``facts``: body_code, year, indicator, value (bodies and peer groups).
    """
    unknown = set(rules) - set(RULES)
    if unknown:
        raise ValueError(f"unknown effect rules: {sorted(unknown)}")
    inds = indicators.filter(pl.col("role").is_in(EFFECT_ROLES)).select("indicator", "factor", "role", "direction")
    grid = (
        windows.join(inds, how="cross")
        .join(pl.DataFrame({"rule": list(rules)}), how="cross")
        .with_columns(
            pl.col("pilot_start_year").cast(pl.Int64), pl.col("base_year").cast(pl.Int64), pl.col("end_year").cast(pl.Int64)
        )
    )
    problem = pl.lit(None, dtype=pl.String)
    for rule in rules:
        problem = pl.when(pl.col("rule") == rule).then(_rule_problem(rule)).otherwise(problem)
    grid = grid.with_columns(
        rule_missing=pl.when(pl.col("window_missing").list.len() > 0).then(pl.col("window_missing"))
        .otherwise(pl.concat_list(problem).list.drop_nulls())
    )
    usable = grid.filter(pl.col("rule_missing").list.len() == 0)
    terms = pl.concat(
        [_terms(rule, usable.filter(pl.col("rule") == rule)) for rule in rules], how="vertical_relaxed"
    ) if usable.height else pl.DataFrame(schema={"body_code": pl.String, "indicator": pl.String, "rule": pl.String,
                                                 "step": pl.Int64, "of_body": pl.String, "year": pl.Int64,
                                                 "coef": pl.Float64})
    values = facts.select(
        pl.col("body_code").alias("of_body"), pl.col("year").cast(pl.Int64), "indicator", pl.col("value").cast(pl.Float64)
    )
    terms = terms.join(values, on=["of_body", "year", "indicator"], how="left").join(
        inds.select("indicator", "direction"), on="indicator", how="left"
    )
    sign = pl.when(pl.col("direction") == "lower_is_better").then(pl.lit(-1.0)).otherwise(pl.lit(1.0))
    key = ["body_code", "indicator", "rule"]
    steps = (
        terms.group_by([*key, "step"])
        .agg(
            (sign.first() * (pl.col("coef") * pl.col("value")).sum()).round(PRECISION).alias("margin"),
            pl.col("value").is_null().any().alias("_gap"),
            pl.col("year").min().alias("from_year"),
            pl.col("year").max().alias("to_year"),
        )
        .sort([*key, "margin", "step"], nulls_last=True)
        .group_by(key, maintain_order=True)
        .first()
    )
    is_own = pl.col("of_body") == pl.col("body_code")
    detail = terms.sort([*key, ~is_own, "of_body", "year"]).group_by(key, maintain_order=True).agg(
        pl.struct(pl.col("of_body").alias("body_code"), pl.col("year").cast(pl.Int32), "value")
        .unique(maintain_order=True).alias("inputs"),
        pl.format("{} {} ({})", pl.col("indicator"), pl.col("year"), pl.col("of_body"))
        .filter(pl.col("value").is_null()).unique(maintain_order=True).alias("_value_missing"),
    )
    out = (
        grid.join(steps, on=key, how="left")
        .join(detail, on=key, how="left")
        .with_columns(
            missing=pl.col("rule_missing").list.concat(
                pl.col("_value_missing").fill_null(pl.lit([], dtype=pl.List(pl.String)))
            ),
            inputs=pl.col("inputs").fill_null(pl.lit([], dtype=pl.List(INPUT))),
        )
        .with_columns(
            status=pl.when(pl.col("missing").list.len() == 0).then(pl.lit("ok")).otherwise(pl.lit("insufficient_data"))
        )
        .with_columns(
            margin=pl.when(pl.col("status") == "ok").then(pl.col("margin")),
            effect=pl.when(pl.col("status") != "ok").then(pl.lit(None, dtype=pl.String))
            .when(pl.col("margin") >= 0).then(pl.lit("positive"))
            .otherwise(pl.lit("negative")),
        )
    )
    inputs_text = pl.col("inputs").list.eval(
        pl.format("{} {}={}", pl.element().struct.field("body_code"), pl.element().struct.field("year"),
                  pl.element().struct.field("value"))
    ).list.join(", ")
    explanation = (
        pl.when(pl.col("status") == "ok")
        .then(pl.format("{} {}->{}: {}; margin {} ({}) -> {}", pl.col("indicator"), pl.col("from_year"),
                        pl.col("to_year"), inputs_text, pl.col("margin"), pl.col("direction"), pl.col("effect")))
        .otherwise(pl.format("{}: insufficient data, missing {}", pl.col("indicator"), pl.col("missing").list.join("; ")))
    )
    return (
        out.with_columns(explanation=explanation)
        .select(INDICATOR_COLUMNS)
        .with_columns(pl.col("from_year").cast(pl.Int32), pl.col("to_year").cast(pl.Int32))
        .sort("body_code", "factor", "indicator", "rule")
    )


def factor_effects(indicator_rows: pl.DataFrame) -> pl.DataFrame:
    """Aggregate indicator effects to factors: negative if any indicator is negative, positive only if
    all are positive, ``insufficient_data`` otherwise (what is missing is listed)."""
    key = ["body_code", "factor", "role", "rule"]
    flat_inputs = indicator_rows.select(*key, "indicator", "inputs").explode("inputs").drop_nulls("inputs").select(
        *key, pl.struct(pl.col("indicator"), pl.col("inputs").struct.unnest()).alias("input")
    )
    inputs = flat_inputs.group_by(key).agg(pl.col("input").alias("inputs"))
    agg = indicator_rows.sort("indicator").group_by(key).agg(
        pl.len().cast(pl.Int32).alias("n_indicators"),
        pl.col("indicator").filter(pl.col("effect") == "negative").alias("negative_indicators"),
        (pl.col("effect") == "negative").any().alias("_neg"),
        (pl.col("effect").fill_null("") == "positive").all().alias("_pos"),
        pl.col("explanation").str.join(" | ").alias("explanation"),
        pl.col("missing").list.explode(keep_nulls=False, empty_as_null=False).unique(maintain_order=True).alias("missing"),
    )
    return (
        agg.join(inputs, on=key, how="left")
        .with_columns(
            effect=pl.when(pl.col("_neg")).then(pl.lit("negative")).when(pl.col("_pos")).then(pl.lit("positive")),
            inputs=pl.col("inputs").fill_null(pl.lit([], dtype=pl.List(FACTOR_INPUT))),
        )
        .with_columns(
            status=pl.when(pl.col("effect").is_null()).then(pl.lit("insufficient_data")).otherwise(pl.lit("ok"))
        )
        .select(FACTOR_COLUMNS)
        .sort("body_code", "factor", "rule")
    )

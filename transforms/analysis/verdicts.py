"""Hypothesis verdicts (thesis Table 21) per body and rule, and how robust they are to the rule (pure).

H0: a positive change in all factors justifies the resources spent. H1: if at least one factor
generates negative effects, the project is insufficient. The factor side comes from
:func:`transforms.analysis.effects.factor_effects` (Resources is not a factor here: it is the cost side); the
cost side is formula (2) from :func:`transforms.analysis.cer.cost_test`. With ``cost_side = "veto"`` H0 also
needs the pilot's CER not to exceed standard mode's, so H1 reads "the project is insufficient, on the
factor side or the cost side"; with ``"report"`` the cost side is shown but does not decide.
"""

from __future__ import annotations

import polars as pl

HYPOTHESES = {
    "H0": "a positive change in all factors justifies the resources spent; the mediating factor decides the "
          "overall indirect effect",
    "H1": "if at least one factor generates negative effects, the project is considered insufficient",
}
DECISION_COLUMNS = [
    "body_code", "rule", "is_default_rule", "verdict", "effects_verdict", "negative_factors", "positive_factors",
    "insufficient_factors", "cost_test", "cost_years", "cost_years_pilot_costlier", "cost_side", "reason",
    "status", "missing",
]
_STR_LIST = pl.List(pl.String)


def decide(
    factor_rows: pl.DataFrame, cost: pl.DataFrame, *, cost_side: str = "veto", default_rule: str | None = None
) -> pl.DataFrame:
    """One verdict per body and rule (``DECISION_COLUMNS``); ``verdict`` is ``H0``, ``H1`` or null
    (``insufficient_data``, with ``missing`` saying what would decide it)."""
    if cost_side not in ("veto", "report"):
        raise ValueError(f"cost_side must be 'veto' or 'report', not {cost_side!r}")
    per_rule = factor_rows.sort("factor").group_by("body_code", "rule").agg(
        pl.col("factor").filter(pl.col("effect") == "negative").alias("negative_factors"),
        pl.col("factor").filter(pl.col("effect") == "positive").alias("positive_factors"),
        pl.col("factor").filter(pl.col("effect").is_null()).alias("insufficient_factors"),
        pl.col("missing").filter(pl.col("effect").is_null())
        .list.explode(keep_nulls=False, empty_as_null=False).unique(maintain_order=True).alias("_factor_missing"),
    )
    effects_verdict = (
        pl.when(pl.col("negative_factors").list.len() > 0).then(pl.lit("H1"))
        .when(pl.col("insufficient_factors").list.len() == 0).then(pl.lit("H0"))
    )
    costlier = pl.col("cost_test") == "pilot_costlier"
    if cost_side == "veto":
        verdict = (
            pl.when((pl.col("effects_verdict") == "H1") | costlier.fill_null(False)).then(pl.lit("H1"))
            .when((pl.col("effects_verdict") == "H0") & (pl.col("cost_test") == "pilot_not_costlier")).then(pl.lit("H0"))
        )
    else:
        verdict = pl.col("effects_verdict")
    neg = pl.col("negative_factors").list.join(", ")
    costly_years = pl.col("cost_years_pilot_costlier").cast(_STR_LIST).list.join(", ")
    reason = (
        pl.when(pl.col("verdict").is_null()).then(pl.lit("insufficient data"))
        .when((pl.col("effects_verdict") == "H1") & costlier.fill_null(False))
        .then(pl.format("negative factors: {}; and CER(pilot) > CER(standard) in {}", neg, costly_years))
        .when(pl.col("effects_verdict") == "H1").then(pl.format("negative factors: {}", neg))
        .when(pl.col("verdict") == "H1")
        .then(pl.format("all factors positive, but CER(pilot) > CER(standard) in {}", costly_years))
        .when(costlier.fill_null(False))
        .then(pl.format("all factors positive (the cost side, CER(pilot) > CER(standard) in {}, is reported only)",
                        costly_years))
        .when(pl.col("cost_test").is_null()).then(pl.lit("all factors positive (the cost side could not be computed)"))
        .otherwise(pl.lit("all factors positive and CER(pilot) <= CER(standard)"))
    )
    need_cost = pl.lit(cost_side == "veto") & (pl.col("effects_verdict") != "H1").fill_null(True)
    missing = (
        pl.when(pl.col("verdict").is_not_null()).then(pl.lit([], dtype=_STR_LIST))
        .otherwise(
            pl.col("_factor_missing").list.concat(
                pl.when(need_cost & pl.col("cost_test").is_null()).then(pl.col("cost_missing").fill_null(pl.lit([], dtype=_STR_LIST)))
                .otherwise(pl.lit([], dtype=_STR_LIST))
            ).list.unique(maintain_order=True)
        )
    )
    return (
        per_rule.join(cost, on="body_code", how="left")
        .with_columns(effects_verdict=effects_verdict)
        .with_columns(verdict=verdict, cost_side=pl.lit(cost_side), is_default_rule=pl.col("rule") == pl.lit(default_rule))
        .with_columns(
            reason=reason,
            missing=missing,
            status=pl.when(pl.col("verdict").is_null()).then(pl.lit("insufficient_data")).otherwise(pl.lit("ok")),
        )
        .select(DECISION_COLUMNS)
        .sort("body_code", "rule")
    )


def hypothesis_rows(decisions: pl.DataFrame) -> pl.DataFrame:
    """Table 21's shape: two rows per body and rule (H0, H1) with ``supported`` (null when undecided)."""
    hyps = pl.DataFrame({"hypothesis": list(HYPOTHESES), "statement": list(HYPOTHESES.values())})
    return (
        decisions.join(hyps, how="cross")
        .with_columns(supported=pl.when(pl.col("verdict").is_not_null()).then(pl.col("verdict") == pl.col("hypothesis")))
        .select("body_code", "rule", "hypothesis", "supported", "statement", *[
            c for c in DECISION_COLUMNS if c not in ("body_code", "rule")
        ])
        .sort("body_code", "rule", "hypothesis")
    )


def robustness(decisions: pl.DataFrame, default_rule: str) -> pl.DataFrame:
    """Per body: the default rule's verdict, whether every other rule gives the same one, which rules flip
    it; the same for the factor side alone (``effects_*``), since the cost side can mask a flip."""
    default = decisions.filter(pl.col("rule") == default_rule).select(
        "body_code", pl.col("verdict").alias("_dv"), pl.col("effects_verdict").alias("_de"), "cost_test",
        "status", "missing",
    )
    rules = decisions.join(default, on="body_code", how="left").sort("rule").group_by("body_code").agg(
        pl.col("rule").filter(pl.col("verdict").is_not_null() & (pl.col("verdict") != pl.col("_dv"))).alias("flipping_rules"),
        pl.col("rule").filter(pl.col("verdict").is_null()).alias("undecided_rules"),
        pl.col("rule").filter(pl.col("verdict") == "H0").alias("rules_h0"),
        pl.col("rule").filter(pl.col("verdict") == "H1").alias("rules_h1"),
        pl.col("rule").filter(pl.col("effects_verdict").is_not_null() & (pl.col("effects_verdict") != pl.col("_de")))
        .alias("effects_flipping_rules"),
        pl.col("rule").filter(pl.col("effects_verdict") == "H0").alias("effects_rules_h0"),
        pl.col("rule").filter(pl.col("effects_verdict") == "H1").alias("effects_rules_h1"),
        pl.col("effects_verdict").is_null().any().alias("_effects_undecided"),
    )
    return (
        default.join(rules, on="body_code", how="left")
        .with_columns(
            default_rule=pl.lit(default_rule),
            holds_under_every_rule=pl.when(pl.col("_dv").is_not_null()).then(
                (pl.col("flipping_rules").list.len() == 0) & (pl.col("undecided_rules").list.len() == 0)
            ),
            effects_holds_under_every_rule=pl.when(pl.col("_de").is_not_null()).then(
                (pl.col("effects_flipping_rules").list.len() == 0) & ~pl.col("_effects_undecided")
            ),
        )
        .select(
            "body_code", "default_rule", pl.col("_dv").alias("verdict"), "holds_under_every_rule", "flipping_rules",
            "undecided_rules", "rules_h0", "rules_h1", pl.col("_de").alias("effects_verdict"),
            "effects_holds_under_every_rule", "effects_flipping_rules", "effects_rules_h0", "effects_rules_h1",
            "cost_test", "status", "missing",
        )
        .sort("body_code")
    )

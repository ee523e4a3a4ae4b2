"""Thesis Tables 19, 20 and 21 cell by cell, published next to computed (the analysis domain).

``pilotwatch reproduce`` prints what this module compares. Computes in memory from the published
warehouse (read-only: never blocks a refresh) with the ``thesis`` configuration (and ``default`` for
comparison), and compares with the cells as printed
(``data/reference/thesis_tables``). Table 19 is compared to the printed digit; for Table 20 it lists
which effect rules agree with each published cell, and says so where none does.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import polars as pl

import warehouse
from pilotwatch import DATA_DIR, analysis
from pilotwatch.analysis.config import AnalysisConfig
from pilotwatch.analysis.steps import Results

PUBLISHED_DIR = DATA_DIR / "reference" / "thesis_tables"
PARAMETER_LABELS = {
    "cost_musd": "Budget of Payroll Fund, mln USD",
    "effectiveness_pct": "Total effectiveness measure, %",
    "cer": "Cost-effectiveness ratio",
}


# ---------------------------------------------------------------- published tables


@dataclass(frozen=True)
class Published:
    table19: pl.DataFrame  # body_code, parameter, year, mode, printed
    table20: pl.DataFrame  # factor, body_code, printed
    table21: pl.DataFrame  # hypothesis, printed


def read_published(directory: Path = PUBLISHED_DIR) -> Published:
    opts = {"infer_schema_length": 0}
    return Published(
        table19=pl.read_csv(directory / "table19_cer.csv", **opts).with_columns(pl.col("year").cast(pl.Int32)),
        table20=pl.read_csv(directory / "table20_effects.csv", **opts),
        table21=pl.read_csv(directory / "table21_hypotheses.csv", **opts),
    )


def as_printed(value: float | None, printed: str) -> str | None:
    """``value`` with as many decimals as ``printed`` has, rounded half up, with a decimal comma."""
    if value is None:
        return None
    decimals = len(printed.split(",")[1]) if "," in printed else 0
    q = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return str(q).replace(".", ",")


# ---------------------------------------------------------------- comparisons (pure)


def _table19_long(cer: pl.DataFrame) -> pl.DataFrame:
    return cer.filter(pl.col("year").is_not_null()).unpivot(
        index=["body_code", "year", "mode"], on=["cost_musd", "effectiveness_pct", "cer"],
        variable_name="parameter", value_name="value",
    )


def compare_table19(published: pl.DataFrame, cer: pl.DataFrame, other: pl.DataFrame | None = None) -> pl.DataFrame:
    """One row per published Table 19 cell: printed, computed (same digits), match; ``other`` adds a
    second configuration's value for comparison."""
    key = ["body_code", "parameter", "year", "mode"]
    out = published.join(_table19_long(cer), on=key, how="left")
    out = out.with_columns(
        computed=pl.struct("value", "printed").map_elements(
            lambda r: as_printed(r["value"], r["printed"]), return_dtype=pl.String
        )
    ).with_columns(match=pl.col("computed") == pl.col("printed"))
    if other is not None:
        alt = _table19_long(other).rename({"value": "other_value"})
        out = out.join(alt, on=key, how="left")
    else:
        out = out.with_columns(other_value=pl.lit(None, dtype=pl.Float64))
    return out.select(*key, "printed", "computed", pl.col("match").fill_null(False), "value", "other_value")


def compare_table20(published: pl.DataFrame, factor_effects: pl.DataFrame, decisions: pl.DataFrame,
                    rules: list[str]) -> pl.DataFrame:
    """One row per published Table 20 cell: printed, each rule's computed effect, the agreeing rules."""
    effects = factor_effects.select(
        "body_code", "factor", "rule", pl.col("effect").str.to_titlecase().alias("computed")
    )
    totals = decisions.select(
        "body_code", pl.lit("Total Result").alias("factor"), "rule",
        pl.col("effects_verdict").replace_strict({"H1": "Negative", "H0": "Positive"}, default=None).alias("computed"),
    )
    long = published.join(pl.concat([effects, totals]), on=["body_code", "factor"], how="left")
    wide = long.pivot(on="rule", index=["factor", "body_code", "printed"], values="computed")
    agreeing = long.filter(pl.col("computed") == pl.col("printed")).group_by("factor", "body_code").agg(
        pl.col("rule").sort().alias("agreeing_rules")
    )
    order = published.with_row_index("_order").select("_order", "factor", "body_code")
    return (
        order.join(wide, on=["factor", "body_code"], how="left")
        .join(agreeing, on=["factor", "body_code"], how="left")
        .with_columns(pl.col("agreeing_rules").fill_null(pl.lit([], dtype=pl.List(pl.String))))
        .sort("_order")
        .select("factor", "body_code", "printed", *[r for r in rules if r in wide.columns], "agreeing_rules")
    )


def rule_scores(table20: pl.DataFrame, rules: list[str]) -> pl.DataFrame:
    """How many of Table 20's factor cells (totals excluded) each rule reproduces, per body and overall."""
    cells = table20.filter(pl.col("factor") != "Total Result")
    rows = []
    for rule in rules:  # a handful of rules, not data rows
        hit = cells.filter(pl.col(rule) == pl.col("printed"))
        rows.append({
            "rule": rule,
            **{f"{b}_cells": f"{hit.filter(pl.col('body_code') == b).height}/{cells.filter(pl.col('body_code') == b).height}"
               for b in cells["body_code"].unique(maintain_order=True).to_list()},
            "all_cells": f"{hit.height}/{cells.height}",
            "_hits": hit.height,
        })
    return pl.DataFrame(rows).sort("_hits", descending=True, maintain_order=True).drop("_hits")


def compare_table21(published: pl.DataFrame, decisions: pl.DataFrame, bodies: list[str], default_rule: str) -> pl.DataFrame:
    """Table 21 (both bodies together): published support next to the computed one under the default
    rule, the rules under which each body's verdict agrees, and the factor side alone."""
    d = decisions.filter(pl.col("body_code").is_in(bodies))

    def supported(col: str, hyp: str, rule: str | None = None) -> str:
        rows = d if rule is None else d.filter(pl.col("rule") == rule)
        per_body = rows.group_by("body_code").agg((pl.col(col) == hyp).all().alias("s"))
        if per_body.height < len(bodies) or rows[col].is_null().any():
            return "insufficient data"
        return "Supported" if per_body["s"].all() else "Not supported"

    rules = sorted(d["rule"].unique().to_list())
    out = []
    for hyp, printed in published.select("hypothesis", "printed").iter_rows():
        computed = supported("verdict", hyp, default_rule)
        out.append({
            "hypothesis": hyp,
            "printed": printed,
            f"computed ({default_rule})": computed,
            "match": computed == printed,
            "rules_agreeing": ", ".join(r for r in rules if supported("verdict", hyp, r) == printed) or "none",
            "factor_side_alone_agreeing": ", ".join(
                r for r in rules if supported("effects_verdict", hyp, r) == printed) or "none",
        })
    return pl.DataFrame(out)


# ---------------------------------------------------------------- computing from the warehouse


@dataclass(frozen=True)
class Computed:
    """The analysis computed in memory for the configuration to check and, optionally, a second one."""

    results: Results
    other: Results | None
    #: Why the comparison configuration was skipped (its inputs are missing), or None.
    skipped: str | None


def compute_from_warehouse(cfg: AnalysisConfig, other_cfg: AnalysisConfig | None = None) -> Computed:
    """Compute from the *published* warehouse, read-only and in memory, so it never blocks a refresh."""
    con = warehouse.connect(read_only=True)
    try:
        results = analysis.compute(analysis.read_inputs(con, cfg), cfg)
        other, skipped = None, None
        if other_cfg is not None:
            try:
                other = analysis.compute(analysis.read_inputs(con, other_cfg), other_cfg)
            except analysis.AnalysisInputError as exc:
                skipped = f"(comparison configuration {other_cfg.name!r} skipped: {exc})"
    finally:
        con.close()
    return Computed(results, other, skipped)


def table20_note(table20: pl.DataFrame, rules: list[str]) -> str:
    """Which rules reproduce every factor cell of Table 20, and which cells no rule reproduces."""
    factors = table20.filter(pl.col("factor") != "Total Result")
    complete = [r for r in rules if (factors[r] == factors["printed"]).all()]
    none = table20.filter(pl.col("agreeing_rules").list.len() == 0)
    note = ("No single rule reproduces every factor cell of Table 20." if not complete
            else f"Rules reproducing every factor cell: {', '.join(complete)}.")
    if none.height:
        note += " Cells no rule reproduces: " + "; ".join(
            f"{f} / {b}" for f, b in none.select("factor", "body_code").iter_rows())
    return note


def beyond_thesis(robustness: pl.DataFrame, thesis_bodies: list[str]) -> pl.DataFrame:
    """The robustness rows of bodies the thesis did not compute (where the analysis says more than it)."""
    return robustness.filter(~pl.col("body_code").is_in(thesis_bodies) & (pl.col("status") == "ok"))

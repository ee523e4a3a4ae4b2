"""``pilotwatch reproduce``: thesis Tables 19, 20 and 21 cell by cell, published next to computed.

Only the command: it parses arguments and prints. The comparison itself (reading the published
cells, computing in memory from the published warehouse, matching cell by cell) is the analysis
domain's, in :mod:`pilotwatch.analysis.reproduce`.
"""

from __future__ import annotations

import argparse
import sys

import polars as pl


def register(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Recompute thesis Tables 19 (CER), 20 (factor effects) and 21 (hypotheses) from the published "
        "warehouse, in memory, and print them next to the published cells: Table 19 to the printed "
        "digit, Table 20 with the effect rules that agree with each cell (or none), Table 21 with the "
        "rules under which the published verdict holds."
    )
    p.epilog = (
        "examples:\n  pilotwatch reproduce\n  pilotwatch reproduce --table 20\n"
        "  pilotwatch reproduce --format csv --table 19 > table19.csv"
    )
    p.add_argument("--config", default="thesis", help="analysis configuration that should reproduce the thesis")
    p.add_argument("--compare", default="default", help="second configuration shown for comparison ('' for none)")
    p.add_argument("--table", choices=["19", "20", "21"], action="append", help="only these tables (repeatable)")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pilotwatch.analysis.config import load_analysis_config
    from pilotwatch.analysis.reproduce import (
        PARAMETER_LABELS,
        beyond_thesis,
        compare_table19,
        compare_table20,
        compare_table21,
        compute_from_warehouse,
        read_published,
        rule_scores,
        table20_note,
    )
    from pilotwatch.commands.query import write

    cfg = load_analysis_config(args.config)
    other_cfg = load_analysis_config(args.compare) if args.compare else None
    computed = compute_from_warehouse(cfg, other_cfg)
    if computed.skipped:
        print(computed.skipped, file=sys.stderr)
    results, other = computed.results, computed.other
    pub = read_published()
    tables = args.table or ["19", "20", "21"]
    out = sys.stdout
    text = args.format == "table"

    def show(title: str, df: pl.DataFrame, note: str = "") -> None:
        if text:
            out.write(f"\n{title}\n")
        cols = df.columns
        rows = [tuple(", ".join(v) if isinstance(v, list) else v for v in r) for r in df.iter_rows()]
        write(cols, rows, args.format, out)
        if text and note:
            out.write(note + "\n")

    rules = list(cfg.effects.rules)
    if "19" in tables:
        t19 = compare_table19(pub.table19, results.cer, other.cer if other else None)
        n, hits = t19.height, int(t19["match"].sum())
        t19 = t19.with_columns(pl.col("parameter").replace(PARAMETER_LABELS)).rename(
            {"computed": f"computed ({cfg.name})", "other_value": f"{other_cfg.name if other_cfg else 'other'} (full precision)",
             "value": "computed (full precision)"})
        show(f"Table 19 - cost-effectiveness ratio; configuration {cfg.name!r}: inflation {cfg.inflation.label()}, "
             f"standard-mode cost rounded to {cfg.rounding.standard_cost_step} mln USD, CER to "
             f"{cfg.rounding.cer_decimals} decimals", t19,
             f"Table 19: {hits} of {n} printed cells reproduced to the printed digit"
             + ("" if hits == n else f"; {n - hits} differ (match = false above)"))
    if "20" in tables:
        t20 = compare_table20(pub.table20, results.factor_effects, results.decisions, rules)
        show("Table 20 - factor effects: published vs each rule (Total Result = the factor side's verdict)", t20)
        show("Table 20 - factor cells reproduced per rule", rule_scores(t20, rules), table20_note(t20, rules))
    if "21" in tables:
        bodies = pub.table20["body_code"].unique(maintain_order=True).to_list()
        t21 = compare_table21(pub.table21, results.decisions, bodies, cfg.effects.default_rule)
        show(f"Table 21 - hypothesis testing for {' and '.join(bodies)} together (cost side: {cfg.verdict.cost_side}, "
             f"formula (2) in {'every year' if cfg.verdict.cost_years == 'every' else 'the last year'})", t21)
        extra = beyond_thesis(results.robustness, bodies)
        if text and extra.height:
            out.write("\nBeyond the thesis (bodies it did not compute):\n")
            for r in extra.iter_rows(named=True):
                out.write(f"  {r['body_code']}: {r['verdict']} under {r['default_rule']} ({r['cost_test']}); "
                          f"factor side alone {r['effects_verdict']} (H0 under: "
                          f"{', '.join(r['effects_rules_h0']) or 'no rule'})\n")
    return 0

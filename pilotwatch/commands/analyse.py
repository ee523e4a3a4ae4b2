"""``pilotwatch analyse [--config NAME]``: recompute the analysis with a named configuration."""

from __future__ import annotations

import argparse


def register(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Run the recompute_analysis flow on the published warehouse with one configuration from "
        "data/analysis.yaml and publish the results (mart.cer, mart.factor_effects, mart.verdicts, "
        "mart.grades, mart.robustness, ...). The annual refresh runs it with 'default' already."
    )
    p.epilog = (
        "examples:\n  pilotwatch analyse                   # the default configuration\n"
        "  pilotwatch analyse --config thesis     # the thesis' assumptions (Table 19 to the digit)\n"
        "  pilotwatch analyse --list\n"
        "  pilotwatch query \"select * from mart.verdicts where config = 'thesis' and is_default_rule\""
    )
    p.add_argument("--config", default="default", help="configuration name in the configuration file")
    p.add_argument("--config-file", help="configuration file (default: data/analysis.yaml)")
    p.add_argument("--list", action="store_true", help="list (and validate) the configurations, then exit")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pilotwatch.analysis.config import load_all

    if args.list:
        for name, cfg in load_all(args.config_file).items():
            print(f"{name}: {cfg.description}")
        return 0
    import warehouse
    from flows.analysis import recompute_analysis

    warehouse.connect(read_only=True).close()  # a clear message when nothing was refreshed yet
    result = recompute_analysis(config=args.config, config_file=args.config_file)
    print(f"run {result['run_id']} ({result['config']}): " + ", ".join(f"{k} {v}" for k, v in result["rows"].items()))
    return 0

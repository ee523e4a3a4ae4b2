"""``pilotwatch survey INSTRUMENT PATH``: analyse a survey export (or the synthetic demo)."""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

INSTRUMENTS = ("model_test", "employees", "citizens")


def register(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Read a survey platform's export (CSV or XLSX, one row per respondent, answers as "
        "English/Russian text or 5..1), quarantine incomplete or straight-lined responses, and "
        "compute Cronbach's alpha, the CFA and structural model of the thesis (model_test), "
        "H1-H5 verdicts and answer distributions with cells under 5 suppressed. Results are "
        "published to mart.survey_*. The format is described in docs/surveys.md."
    )
    p.epilog = (
        "examples:\n  pilotwatch survey model_test --demo              # SYNTHETIC demo sample\n"
        "  pilotwatch survey model_test survey2019.xlsx --wave 2019 --json\n"
        "  pilotwatch survey model_test survey2019.xlsx --wave 2019 --group body   # invariance across bodies\n"
        "  pilotwatch survey employees acsa_2020.csv --wave 2020 --body acsa\n"
        "  pilotwatch survey citizens https://example.org/citizens.csv --wave 2020 --body astana"
    )
    p.add_argument("instrument", choices=INSTRUMENTS)
    p.add_argument("location", metavar="PATH", nargs="?", help="export file or http(s) URL (omit with --demo)")
    p.add_argument("--wave", help="survey wave label, e.g. 2019 (default: demo-synthetic with --demo, else required)")
    p.add_argument("--json", action="store_true", help="print one JSON document (keys alpha, fit, estimates, verdicts)")
    p.add_argument("--body", help="body code or name for exports without a body column")
    p.add_argument("--missing", choices=["listwise", "fiml"], default="listwise",
                   help="missing answers in the model: listwise deletion or full-information ML (never pairwise)")
    p.add_argument("--estimator", choices=["ml", "dwls", "wlsmv"], default="ml",
                   help="model estimator: ml (default, answers as numbers), dwls (ordinal: DWLS on polychoric "
                        "correlations with thresholds, lavaan's estimator=\"DWLS\" with ordered items) or wlsmv "
                        "(the same estimates with robust SEs and the mean-and-variance adjusted test)")
    p.add_argument("--max-missing", type=float, default=0.2, metavar="SHARE",
                   help="quarantine a response missing at least this share of its answers")
    p.add_argument("--no-straightline", action="store_true", help="do not quarantine straight-lined responses")
    p.add_argument("--format", choices=["csv", "xlsx"], help="default: from the file name")
    p.add_argument("--group", metavar="COLUMN",
                   help="model_test: test measurement invariance of the CFA across the groups of this column "
                        "(body, a demographic such as gender, or any column of the export): configural, "
                        "metric, scalar models and their chi-square difference tests")
    p.add_argument("--demo", action="store_true",
                   help="analyse the SYNTHETIC demo sample (model_test only; generated, clearly labelled)")
    p.add_argument("--demo-out", metavar="CSV", help="with --demo: also keep the generated export here")
    p.add_argument("--bootstrap", type=int, metavar="N",
                   help="model_test: resample respondents N times (100-20,000; 1,000 is usual) for percentile and "
                        "bias-corrected intervals of every indirect and total effect")
    p.add_argument("--seed", type=int, metavar="S", help="with --bootstrap: the resampling seed (default 20190423)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pilotwatch import survey

    if args.estimator != "ml" and args.missing != "listwise":
        raise SystemExit(f"pilotwatch survey: --estimator {args.estimator} needs complete answers; "
                         "use --missing listwise")
    boot = _bootstrap_options(args)
    if args.demo:
        if args.instrument != "model_test":
            raise SystemExit("pilotwatch survey: --demo exists for model_test only")
        from pilotwatch.survey.demo import WAVE, demo_export
        from pilotwatch.survey.items import load_instruments

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(args.demo_out) if args.demo_out else Path(tmp) / "model_test_demo_synthetic.csv"
            demo_export(load_instruments()).write_csv(path)
            doc = _analysis()(str(path.resolve()), "model_test", args.wave or WAVE, synthetic=True,
                              missing=args.missing, max_missing_share=args.max_missing,
                              straightline=not args.no_straightline, group=args.group, **_estimator(args), **boot)
    else:
        if not args.location:
            raise SystemExit("pilotwatch survey: PATH is required (or use --demo)")
        if not args.wave:
            raise SystemExit("pilotwatch survey: --wave is required for a real export (e.g. --wave 2020)")
        doc = _analysis()(args.location, args.instrument, args.wave, body=args.body, missing=args.missing,
                          max_missing_share=args.max_missing, straightline=not args.no_straightline,
                          fmt=args.format, group=args.group, **_estimator(args), **boot)
    sys.stdout.write((survey.dumps(doc) if args.json else survey.as_text(doc)) + "\n")
    return 0


def _estimator(args: argparse.Namespace) -> dict[str, str]:
    """Pass ``estimator`` only when it is not the default, so an ML run calls exactly what it did."""
    return {"estimator": args.estimator} if args.estimator != "ml" else {}


def _bootstrap_options(args: argparse.Namespace) -> dict[str, int]:
    """``--bootstrap``/``--seed`` checked before anything is read; empty without ``--bootstrap`` (so a run
    without it calls the recipe exactly as before)."""
    if args.bootstrap is None:
        if args.seed is not None:
            raise SystemExit("pilotwatch survey: --seed only applies with --bootstrap N")
        return {}
    if args.instrument != "model_test":
        raise SystemExit("pilotwatch survey: --bootstrap applies to model_test (the structural model) only")
    if getattr(args, "estimator", "ml") != "ml":
        raise SystemExit("pilotwatch survey: --bootstrap refits by maximum likelihood; drop --estimator "
                         f"{args.estimator} to bootstrap")
    from transforms.survey.bootstrap import check_draws

    try:
        check_draws(args.bootstrap)
    except ValueError as exc:
        raise SystemExit(f"pilotwatch survey: {exc}") from None
    return {"bootstrap": args.bootstrap} | ({"seed": args.seed} if args.seed is not None else {})


def _analysis() -> Callable[..., dict[str, object]]:
    """The Prefect flow when a Prefect server is configured (the run is recorded there), else the same
    recipe called directly: an interactive command does not start a temporary server (10-20 s, and
    the cause of failures on a busy machine) nor import Prefect (about 1.5 s)."""
    from pilotwatch import settings

    if settings.prefect_api_url():
        from flows.survey import survey_analysis

        return survey_analysis
    from pilotwatch.survey import run

    return run

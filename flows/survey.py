"""Survey analysis: read an export, code and screen it, fit the model, store and report.

``survey_analysis(path_or_url, instrument, wave)`` — instrument ``model_test`` (Annex G: alpha, CFA,
structural model, H1-H5), ``employees`` (Annex H: alpha and answer distributions per body and
factor) or ``citizens`` (Annex I: satisfaction distributions). Everything is published in one
warehouse write (``mart.survey_*``); quarantined responses go to ``mart.quarantine`` with reasons.
The recipe is ``pilotwatch.survey.run``; this flow runs it with reading and analysing as tasks, for
deployments and for ``pilotwatch survey`` when a Prefect server is configured.
"""

from __future__ import annotations

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from pilotwatch import survey


@task(name="read-survey-export", retries=0, cache_policy=NO_CACHE)
def read(path_or_url: str, fmt: str | None) -> survey.Export:
    return survey.read_export(path_or_url, fmt)


@task(name="analyse-survey", cache_policy=NO_CACHE)
def analyse(prep: survey.Prepared, instrument: str, options: survey.Options) -> survey.Analysis:
    return survey.analyse_with_bundled_spec(prep, instrument, options)


@flow(name="survey_analysis", log_prints=True)
def survey_analysis(
    path_or_url: str,
    instrument: str,
    wave: str,
    body: str | None = None,
    missing: str = "listwise",
    max_missing_share: float = 0.2,
    straightline: bool = True,
    fmt: str | None = None,
    synthetic: bool = False,
    estimator: str = "ml",
    group: str | None = None,
    bootstrap: int | None = None,
    seed: int | None = None,
) -> dict[str, object]:
    """Analyse one survey export; returns the JSON document (keys alpha, fit, estimates, verdicts)."""
    return survey.run(path_or_url, instrument, wave, body=body, missing=missing,
                      max_missing_share=max_missing_share, straightline=straightline, fmt=fmt,
                      synthetic=synthetic, estimator=estimator, group=group, bootstrap=bootstrap, seed=seed,
                      read=read, analyse_step=analyse)

"""Survey analysis: read an export, code and screen it, fit the model, store and report.

``survey_analysis(path_or_url, instrument, wave)`` — instrument ``model_test`` (Annex G: alpha, CFA,
structural model, H1-H5), ``employees`` (Annex H: alpha and answer distributions per body and
factor) or ``citizens`` (Annex I: satisfaction distributions). Everything is published in one
warehouse write (``mart.survey_*``); quarantined responses go to ``mart.quarantine`` with reasons.
"""

from __future__ import annotations

import dataclasses

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

import warehouse
from pilotwatch import registry, survey
from pilotwatch.survey_demo import SEED
from pilotwatch.survey_items import load_instruments
from transforms.survey_screening import ScreeningRules


@task(name="read-survey-export", retries=0, cache_policy=NO_CACHE)
def read(path_or_url: str, fmt: str | None) -> survey.Export:
    return survey.read_export(path_or_url, fmt)


@task(name="analyse-survey", cache_policy=NO_CACHE)
def analyse(prep: survey.Prepared, instrument: str, options: survey.Options) -> survey.Analysis:
    return survey.analyse(prep, instrument, load_instruments(), options)


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
) -> dict[str, object]:
    """Analyse one survey export; returns the JSON document (keys alpha, fit, estimates, verdicts)."""
    spec = load_instruments()
    spec.get(instrument)  # unknown instrument: fail before reading anything
    options = survey.Options(wave=wave, body=body, missing=missing,  # type: ignore[arg-type]
                             rules=ScreeningRules(max_missing_share, straightline), fmt=fmt, synthetic=synthetic)
    started = survey._now()
    export = read(path_or_url, fmt)
    if synthetic:  # the generated file is temporary; name the generator instead
        export.uri = f"synthetic:pilotwatch.survey_demo (seed {SEED})"
    with warehouse.writer(f"survey {instrument} {wave}") as con:
        registry.seed(con)
        bodies, aliases = survey.registry(con)
        resolver = survey.body_resolver(bodies, aliases, survey.wave_year(wave))
        if body:
            code = resolver([body])[0]
            if code is None:
                raise ValueError(f"--body {body!r} is neither a body code nor a known name (core.body_aliases)")
            options = dataclasses.replace(options, body=code)
        prep = survey.prepare(export.table, instrument, spec, resolver, options)
        result = analyse(prep, instrument, options)
        survey.persist(con, result, prep, export, options, started)
    return survey.as_json(result, prep, export, options)

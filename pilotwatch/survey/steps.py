"""Survey analysis steps: read an export, code and screen it, analyse it, store and print results.

``run`` is the recipe that chains them; the Prefect flow (``flows/survey.py``) runs the same recipe
with its reading and analysing steps as tasks, and ``pilotwatch survey`` calls ``run`` directly when no
Prefect server is configured (an interactive command should not wait 10-20 s for a temporary server).
Each step is a plain function, so tests call them directly. Reading reuses the ingestion edges (``pilotwatch.sources.fetch`` for files and HTTP,
``pilotwatch.sources.readers`` for CSV/XLSX with encodings and header detection).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd
import polars as pl

import warehouse
from pilotwatch import registry as body_registry
from pilotwatch.catalogue import (
    Catalogue,
    Columns,
    CsvOptions,
    Defaults,
    HttpOptions,
    JsonOptions,
    Source,
    XlsxOptions,
)
from pilotwatch.loads import Load
from pilotwatch.sources.fetch import fetch
from pilotwatch.sources.readers import read_table
from pilotwatch.survey import model as survey_model
from pilotwatch.survey.demo import BANNER, SEED
from pilotwatch.survey.items import load_instruments
from pilotwatch.survey.output import as_json, result_frames
from schemas.rejects import empty_rejects, pandera_rejects
from schemas.survey import may_fail, staging_model
from transforms.registry import resolve_bodies
from transforms.survey.distributions import item_distributions, question_distributions
from transforms.survey.mapping import Coded, code_answers, locate_header
from transforms.survey.reliability import reliability
from transforms.survey.screening import ScreeningRules, screen
from transforms.survey.spec import Instrument, Instruments
from warehouse import frame, replace_rows, utc_now

if TYPE_CHECKING:  # --bootstrap and --group import their modules when given (not every survey pays for them)
    from transforms.survey.bootstrap import BootstrapResult

#: Closed questions of the citizens' survey asked of everyone (Q9 only follows a "yes" to Q8).
CITIZEN_SCREEN = ["Q5", "Q6", "Q8", "Q11", "Q12", "Q14"]


@dataclass(frozen=True)
class Options:
    wave: str
    body: str | None = None
    missing: survey_model.Missing = "listwise"
    rules: ScreeningRules = ScreeningRules()
    ftol: float = survey_model.DEFAULT_FTOL
    threads: int | None = None
    fmt: str | None = None
    synthetic: bool = False
    estimator: str = "ml"  # ml | dwls (ordinal: pilotwatch.survey.ordinal)
    group: str | None = None  # --group: measurement invariance across this column (model_test)
    bootstrap: int | None = None  # resamples for the effects' bootstrap intervals (None: no bootstrap)
    seed: int | None = None


# -- reading ----------------------------------------------------------------------------------


@dataclass
class Export:
    table: pl.DataFrame
    uri: str
    sha256: str | None
    kind: str


def read_export(location: str, fmt: str | None = None) -> Export:
    """Fetch and read a survey export (CSV or XLSX, a path or an http(s) URL) as string columns."""
    is_url = location.startswith(("http://", "https://"))
    suffix = Path(location.split("?")[0]).suffix.lower().lstrip(".")
    fmt = fmt or {"xls": "xlsx", "xlsx": "xlsx"}.get(suffix, "csv")
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"survey exports are CSV or XLSX, not {fmt!r}")
    # The catalogue's Source describes fact tables; a survey export has no mapped columns, so the
    # reader's header checks are left empty and the first non-blank row is the header.
    src = Source.model_construct(
        id="survey", dataset="survey", years=[], kind="http" if is_url else "file",
        path=None if is_url else location, url=location if is_url else None, format=fmt, layout="long",
        columns=Columns(), fill_down=[], year=None, body=None, csv=CsvOptions(), xlsx=XlsxOptions(),
        json_options=JsonOptions(), http=HttpOptions(), cite=None, max_reject_share=None,
    )
    cat = Catalogue.model_construct(version=1, defaults=Defaults(), sources=[src], base_dir=".")
    got = fetch(src, cat)
    assert got.content is not None
    return Export(read_table(got.content, src), got.uri, got.sha256, "http" if is_url else "file")


# -- coding and screening ---------------------------------------------------------------------


@dataclass
class Prepared:
    accepted: pl.DataFrame
    free_text: pl.DataFrame
    quarantine: pl.DataFrame  # _row, column_name, reason, raw_row (JSON, no free text)
    n_read: int
    columns: dict[str, str]
    #: the export's columns no field of the instrument claims, by ``_row`` (what ``--group`` may name)
    extra: pl.DataFrame = field(default_factory=pl.DataFrame)


def body_resolver(bodies: pl.DataFrame, aliases: pl.DataFrame, year: int | None):  # noqa: ANN201
    """A ``labels -> codes`` function over the registry (codes, English/Russian/Kazakh aliases)."""
    codes = {c.casefold(): c for c in bodies["body_code"].to_list()}

    def resolve(labels: list[str | None]) -> list[str | None]:
        f = pl.DataFrame({"body_label": labels, "year": [year] * len(labels)},
                         schema={"body_label": pl.String, "year": pl.Int64})
        by_alias = resolve_bodies(f, aliases)["body_code"].to_list()
        return [codes.get((lab or "").strip().casefold()) or a for lab, a in zip(labels, by_alias, strict=True)]

    return resolve


def wave_year(wave: str) -> int | None:
    digits = "".join(ch for ch in wave[:4] if ch.isdigit())
    return int(digits) if len(digits) == 4 else None


def prepare(table: pl.DataFrame, instrument: str, spec: Instruments, resolve_body, options: Options) -> Prepared:  # noqa: ANN001
    """Code every answer, validate, screen; refused responses carry their reason."""
    ins = spec.get(instrument)
    table = locate_header(table, ins, spec)
    coded: Coded = code_answers(table, ins, spec, resolve_body=resolve_body, default_body=options.body)
    answers = coded.answers
    bad = coded.problems
    valid = answers.filter(~pl.col("_row").is_in(bad["_row"].implode()))
    if instrument == "citizens":
        screen_items = [q for q in CITIZEN_SCREEN if q in ins.questions]
        kept, screened = screen(valid, screen_items, options.rules, straightline_items=[])
    else:
        kept, screened = screen(valid, ins.likert_items, options.rules)
    schema_bad = _schema_failures(kept, spec, instrument, coded.columns)
    kept = kept.filter(~pl.col("_row").is_in(schema_bad["_row"].implode()))
    refused = pl.concat([
        bad,
        screened.with_columns(pl.lit(None, pl.String).alias("column_name")).select("_row", "column_name", "reason"),
        schema_bad,
    ])
    hidden = [coded.columns[c] for c in ins.free_text if c in coded.columns]
    raw_cols = [c for c in table.columns if c not in hidden and c != "_row"]
    raw = table.select("_row", pl.struct(raw_cols).struct.json_encode().alias("raw_row")) if raw_cols else \
        table.select("_row", pl.lit("{}").alias("raw_row"))
    quarantine = refused.join(raw, on="_row", how="left").sort("_row")
    claimed = {*coded.columns.values(), *hidden, "_row"}
    extra = table.select("_row", *[c for c in table.columns if c not in claimed]) if "_row" in table.columns \
        else pl.DataFrame()
    return Prepared(kept, coded.free_text, quarantine, table.height, coded.columns, extra)


def _schema_failures(df: pl.DataFrame, spec: Instruments, instrument: str, headers: dict[str, str]) -> pl.DataFrame:
    """Answers the instrument's pandera model refuses, named by the export's own headers.

    The model runs only when ``schemas.survey.may_fail`` finds something it could refuse: answers
    coded by the same definition nearly always pass, and importing pandera costs 0.45 s of the command."""
    if not may_fail(df, spec, instrument):
        return empty_rejects()
    import pandera.polars as pa

    try:
        staging_model(spec, instrument).validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        found = pandera_rejects(exc, df, headers=headers)
        return found.group_by("_row", maintain_order=True).agg(
            pl.col("column_name").drop_nulls().str.join(", "), pl.col("reason").str.join("; "))
    return empty_rejects()


# -- analysis ---------------------------------------------------------------------------------


@dataclass
class Analysis:
    instrument: str
    wave: str
    synthetic: bool
    reliability: pl.DataFrame
    fit: dict[str, dict[str, float | None]] = field(default_factory=dict)
    fit_meta: dict[str, dict[str, object]] = field(default_factory=dict)
    estimates: pd.DataFrame = field(default_factory=pd.DataFrame)
    verdicts: pd.DataFrame = field(default_factory=pd.DataFrame)
    distributions: pl.DataFrame = field(default_factory=pl.DataFrame)
    warnings: list[str] = field(default_factory=list)
    invariance: dict[str, object] | None = None  # with --group: survey_invariance.as_json of the result
    bootstrap: BootstrapResult | None = None


def analyse(prep: Prepared, instrument: str, spec: Instruments, options: Options) -> Analysis:
    ins: Instrument = spec.get(instrument)
    answers = prep.accepted
    constructs = {k: (c.name, c.items) for k, c in ins.constructs.items()}
    rel = reliability(answers, constructs)
    an = Analysis(instrument, options.wave, options.synthetic, rel)
    if ins.constructs:
        an.distributions = item_distributions(answers, {k: c.items for k, c in ins.constructs.items()})
    else:
        an.distributions = question_distributions(answers, {q: list(v.options) for q, v in ins.questions.items()})
    est_frames = []
    if instrument == "model_test":
        mspec = survey_model.ModelSpec({k: c.items for k, c in ins.constructs.items()})
        data = answers.select(mspec.items()).to_pandas().astype(float)
        result = None
        for kind in ("cfa", "sem"):  # the CFA's estimates start the structural model (warm start)
            result = survey_model.fit(data, mspec, kind, missing=options.missing, ftol=options.ftol,
                                      threads=options.threads, start=result.values if result else None,
                                      estimator=options.estimator)
            an.fit[kind] = result.fit
            an.fit_meta[kind] = {"n_used": result.n_used, "missing": result.missing, "converged": result.converged,
                                 "estimator": options.estimator}
            an.warnings += [w for w in result.warnings if w not in an.warnings]
            e = result.estimates.assign(model=kind)
            est_frames.append(e)
            if kind == "sem" and not result.effects.empty:
                eff = result.effects.rename(columns={"factor": "rhs", "effect": "kind"}).assign(
                    model="sem", lhs=mspec.outcome, op="effect")
                est_frames.append(eff)
        assert result is not None
        an.verdicts = survey_model.verdicts(result)
        if options.group:
            from pilotwatch.survey import invariance as survey_invariance

            inv = survey_invariance.analyse_groups(prep, mspec.constructs, options.group, options.missing)
            an.invariance = survey_invariance.as_json(inv)
            an.warnings += inv.warnings
        if options.bootstrap:
            from pilotwatch.survey import bootstrap as survey_bootstrap

            an.bootstrap, warn = survey_bootstrap.run(data, mspec, result, options.bootstrap, options.seed,
                                                      options.threads, options.ftol, options.estimator)
            an.warnings += warn
    an.estimates = pd.concat(est_frames, ignore_index=True) if est_frames else pd.DataFrame(
        columns=["model", *survey_model.EST_COLUMNS])
    if not an.estimates.empty:
        an.estimates = an.estimates[["model", *survey_model.EST_COLUMNS]]
    if an.verdicts.empty:
        an.verdicts = pd.DataFrame(columns=survey_model.VERDICT_COLUMNS)
    return an


# -- the recipe -------------------------------------------------------------------------------


def analyse_with_bundled_spec(prep: Prepared, instrument: str, options: Options) -> Analysis:
    """``analyse`` with the instrument definitions shipped in ``data/`` (the default analysing step)."""
    return analyse(prep, instrument, load_instruments(), options)


def run(
    path_or_url: str,
    instrument: str,
    wave: str,
    *,
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
    read: Callable[[str, str | None], Export] = read_export,
    analyse_step: Callable[[Prepared, str, Options], Analysis] = analyse_with_bundled_spec,
) -> dict[str, object]:
    """Read, code and screen, analyse and publish one export in one warehouse write; return the JSON
    document (keys alpha, fit, estimates, verdicts). ``read`` and ``analyse_step`` are the two steps
    worth retrying or watching on their own; the flow passes them in as Prefect tasks."""
    spec = load_instruments()
    spec.get(instrument)  # unknown instrument: fail before reading anything
    if group and instrument != "model_test":
        raise ValueError(f"--group compares the model_test CFA across groups; {instrument} has no such model")
    options = Options(wave=wave, body=body, missing=missing,  # type: ignore[arg-type]
                      rules=ScreeningRules(max_missing_share, straightline), fmt=fmt, synthetic=synthetic,
                      estimator=estimator, group=group, bootstrap=bootstrap, seed=seed)
    started = utc_now()
    export = read(path_or_url, fmt)
    if synthetic:  # the generated file is temporary; name the generator instead
        export.uri = f"synthetic:pilotwatch.survey.demo (seed {SEED})"
    with warehouse.writer(f"survey {instrument} {wave}") as con:
        body_registry.seed(con)
        bodies, aliases = registry(con)
        resolver = body_resolver(bodies, aliases, wave_year(wave))
        if body:
            code = resolver([body])[0]
            if code is None:
                raise ValueError(f"--body {body!r} is neither a body code nor a known name (core.body_aliases)")
            options = dataclasses.replace(options, body=code)
        prep = prepare(export.table, instrument, spec, resolver, options)
        result = analyse_step(prep, instrument, options)
        persist(con, result, prep, export, options, started)
    return as_json(result, prep, export, options)


# -- persistence ------------------------------------------------------------------------------


def registry(con: duckdb.DuckDBPyConnection) -> tuple[pl.DataFrame, pl.DataFrame]:
    bodies = frame(con, "SELECT body_code FROM core.bodies")
    aliases = frame(con, "SELECT alias, body_code, valid_from, valid_to FROM core.body_aliases")
    return bodies, aliases


def persist(con: duckdb.DuckDBPyConnection, an: Analysis, prep: Prepared, export: Export, options: Options,
            started: datetime) -> int:
    """Record the load, the quarantine and every result table, replacing this (instrument, wave)."""
    instrument, wave = an.instrument, an.wave
    dataset = f"survey_{instrument}"
    load = Load.start(con, dataset=dataset, source_id=f"{dataset}_{wave}",
                      source_kind="synthetic" if options.synthetic else export.kind, source_uri=export.uri,
                      years=wave)
    load.started_at, load.sha256, load_id = started, export.sha256, load.load_id
    load.count(read=prep.n_read, accepted=prep.accepted.height, rejected=prep.quarantine.height)
    with load.transaction():
        load.quarantine(prep.quarantine)
        scope = {"instrument": instrument, "wave": wave}
        run = pl.DataFrame([{
            "load_id": load_id, **scope, "source_uri": export.uri, "synthetic": options.synthetic,
            "n_read": prep.n_read, "n_accepted": prep.accepted.height, "n_quarantined": prep.quarantine.height,
            "missing_method": options.missing, "screening_rule": options.rules.describe(),
            "warnings": "; ".join(an.warnings) or None, "created_at": utc_now()}])
        replace_rows(con, "core.survey_runs", run, key=["instrument", "wave"])
        staging = prep.accepted.rename({"_row": "respondent"}).with_columns(
            pl.lit(load_id, pl.Int64).alias("load_id"), pl.lit(wave).alias("wave"))
        con.execute(f"DELETE FROM staging.survey_{instrument} WHERE wave = ?", [wave])
        if staging.height:
            replace_rows(con, f"staging.survey_{instrument}", staging, key=["wave"])
        con.execute("DELETE FROM staging.survey_free_text WHERE instrument = ? AND wave = ?", [instrument, wave])
        if prep.free_text.height:
            replace_rows(con, "staging.survey_free_text", prep.free_text.with_columns(
                pl.lit(load_id, pl.Int64).alias("load_id"), pl.lit(instrument).alias("instrument"),
                pl.lit(wave).alias("wave")), key=["instrument", "wave"])
        for table, df in result_frames(an).items():
            con.execute(f"DELETE FROM {table} WHERE instrument = ? AND wave = ?", [instrument, wave])
            if df.height:
                replace_rows(con, table, df.with_columns(
                    pl.lit(load_id, pl.Int64).alias("load_id"), pl.lit(instrument).alias("instrument"),
                    pl.lit(wave).alias("wave")), key=["instrument", "wave"])
        load.finish(BANNER if options.synthetic else "")
    return load_id

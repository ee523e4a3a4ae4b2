"""Annual refresh: load every catalogued source for the requested years, then recompute.

A few meaningful tasks: the registry; one task that fetches every source once and records the
unchanged ones (a no-op refresh stops there); one task per changed source (its failure is that
source's Failed task, the others carry on; retries belong to the HTTP fetch itself); then the
analysis' and the monitor's tasks, run in this flow rather than as subflows (a Prefect subflow costs
more than the work it wraps). The whole refresh writes one working copy of the warehouse and
publishes it once at the end (see ``warehouse``).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.states import Failed, State
from prefect.utilities.annotations import quote

import warehouse
from flows.artifacts import publish
from pilotwatch import artifacts, settings
from pilotwatch.catalogue import Catalogue, Source, load_catalogue
from pilotwatch.loads import LoadFailed, LoadResult
from pilotwatch.refresh import (
    Summary,
    Triage,
    analysis_current,
    keep_failed_loads,
    load_order,
    registry_fingerprint,
    resolve_years,
    run_checks,
    triage,
)

if TYPE_CHECKING:
    from pilotwatch.sources.model import Fetched


@task(name="seed-registry", cache_policy=NO_CACHE)
def seed_registry() -> bool:
    """Seed the registry from the reference files; True when that changed it (the analysis is then due)."""
    from pilotwatch import registry

    with warehouse.writer() as con:
        before = registry_fingerprint(con)
        registry.seed(con)
        return registry_fingerprint(con) != before


@task(name="check-sources", cache_policy=NO_CACHE)
def check_sources(catalogue: Catalogue, sources: list[Source], years: list[int], run_id: str) -> Triage:
    """Every unchanged source recorded in one task; the changed ones returned for their own loads."""
    with warehouse.writer() as con:
        return triage(con, catalogue, sources, years, run_id)


@task(name="load-source", task_run_name="load-{source.id}", cache_policy=NO_CACHE)
def load_one(catalogue: Catalogue, source: Source, years: list[int], run_id: str, force: bool,
             fetched: Fetched | None = None) -> LoadResult | State:
    """One source; a failed load is a Failed task run carrying the failure (its reason is reported once,
    by the refresh, after every source has had its turn)."""
    from pilotwatch.ingest import load_source  # here: a refresh with nothing to load never imports it

    with warehouse.writer() as con:
        try:
            r = load_source(con, catalogue, source, years, run_id=run_id, force=force, fetched=fetched)
        except LoadFailed as exc:
            return Failed(message=f"load of source {source.id} failed (reason: mart.loads, run {run_id})", data=exc)
    get_run_logger().info("%s %s: %s accepted, %s rejected", r.status, source.id, r.rows_accepted, r.rows_rejected)
    return r


@flow(name="annual_refresh", log_prints=True)
def annual_refresh(
    year: int | None = None,
    years: list[int] | None = None,
    catalogue: str | None = None,
    force: bool = False,
    analysis: bool = True,
) -> dict[str, object] | State:
    """Load the catalogue's sources for ``year`` (or ``years``; default: every catalogued year)."""
    cat = load_catalogue(settings.catalogue_path(catalogue))
    wanted = resolve_years(cat, year, years)
    run_id = str(uuid.uuid4())
    summary = Summary(wanted)
    outcome = None
    try:
        with warehouse.writer("annual_refresh") as con:
            registry_changed = seed_registry()
            # macro first: payroll converts by usd_kzt
            sources = [s for s in load_order(cat.sources) if set(s.years) & set(wanted)]
            # quote: Prefect would otherwise walk the whole catalogue model (and fetched bytes) per task run
            sorted_ = (Triage(changed=[(s, None) for s in sources]) if force
                       else check_sources(quote(cat), quote(sources), wanted, run_id))
            outcomes: dict[str, object] = {r.source_id: r for r in sorted_.unchanged}
            for source, got in sorted_.changed:
                state = load_one(quote(cat), source, wanted, run_id, force, quote(got), return_state=True)
                outcomes[source.id] = state.result(raise_on_failure=False)
            for source in sources:  # reported in catalogue order, whichever task loaded it
                summary.add(outcomes[source.id])
            if analysis:
                after_load(con, recompute=bool(sorted_.changed) or registry_changed)
            print(summary.text(con))
            publish(artifacts.loads(con, run_id, "refresh"))
            outcome = run_checks(con, get_run_logger())
            if not outcome.ok:
                raise summary.error(outcome)  # the writer discards the working copy: nothing is published
    except Exception as exc:
        keep_failed_loads(summary)  # whatever else is discarded, mart.loads says which sources failed and why
        if outcome is None or outcome.ok:
            raise
        print(summary.report(outcome))
        return Failed(message=summary.headline(outcome), data=exc)  # raised to the caller, printed once
    if analysis:
        after_publish()
    if summary.failures:
        print(summary.report(outcome))
        return Failed(message=summary.headline(outcome), data=summary.error(outcome))
    return {"run_id": run_id, "years": wanted, "loads": summary.loads, "db": str(Path(settings.db_path()))}


def after_load(con: object, recompute: bool) -> None:
    """Recompute the analysis (and whatever follows it) inside the same publish, as tasks of this flow.

    With every source and the registry unchanged the analysis is recomputed only when its latest run
    is not current (other inputs or configuration since: ``mart.analysis_runs.inputs_current``). The
    monitor always runs: an ad-hoc ingest leaves its alerts to the next refresh, and late data are
    judged on today's date.
    """
    from flows.alerts import monitor
    from flows.analysis import recompute_analysis

    if recompute or not analysis_current(con, "default"):  # type: ignore[arg-type]
        recompute_analysis.fn()
    else:
        print("analysis: unchanged inputs and configuration, the latest run stays current "
              "(pilotwatch analyse recomputes it anyway)")
    monitor.fn(deliver=False)  # alerts are recorded with this publish and sent after it


def after_publish() -> None:
    """Send the alerts the refresh recorded (and any left undelivered), now that their data are published."""
    from flows.alerts import deliver

    deliver()

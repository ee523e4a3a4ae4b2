"""Annual refresh: load every catalogued source for the requested years, then recompute.

One task per source (retries belong to the HTTP fetch itself); the whole refresh writes one
working copy of the warehouse and publishes it once at the end (see ``warehouse``).
"""

from __future__ import annotations

import uuid
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.states import Failed, State
from prefect.utilities.annotations import quote

import warehouse
from flows.artifacts import publish
from pilotwatch import artifacts, registry, settings
from pilotwatch.catalogue import Catalogue, Source, load_catalogue
from pilotwatch.ingest import load_source
from pilotwatch.loads import LoadFailed, LoadResult
from pilotwatch.refresh import Summary, keep_failed_loads, load_order, resolve_years, run_checks


@task(name="seed-registry", cache_policy=NO_CACHE)
def seed_registry() -> dict[str, int]:
    with warehouse.writer() as con:
        return registry.seed(con)


@task(name="load-source", task_run_name="load-{source.id}", cache_policy=NO_CACHE)
def load_one(catalogue: Catalogue, source: Source, years: list[int], run_id: str, force: bool) -> LoadResult | State:
    """One source; a failed load is a Failed task run carrying the failure (its reason is reported once,
    by the refresh, after every source has had its turn)."""
    with warehouse.writer() as con:
        try:
            r = load_source(con, catalogue, source, years, run_id=run_id, force=force)
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
            seed_registry()
            for source in load_order(cat.sources):  # macro first: payroll converts by usd_kzt
                if set(source.years) & set(wanted):
                    # quote: Prefect would otherwise walk the whole catalogue model for every task run
                    state = load_one(quote(cat), source, wanted, run_id, force, return_state=True)
                    summary.add(state.result(raise_on_failure=False))
            if analysis:
                after_load(wanted)
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


def after_load(years: list[int]) -> None:
    """Recompute the analysis (and whatever follows it) inside the same publish."""
    from flows.alerts import monitor
    from flows.analysis import recompute_analysis

    recompute_analysis()
    monitor(deliver=False)  # alerts are recorded with this publish and sent after it


def after_publish() -> None:
    """Send the alerts the refresh recorded (and any left undelivered), now that their data are published."""
    from flows.alerts import deliver

    deliver()

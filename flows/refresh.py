"""Annual refresh: load every catalogued source for the requested years, then recompute.

One task per source (retries belong to the HTTP fetch itself); the whole refresh writes one
working copy of the warehouse and publishes it once at the end (see ``warehouse``).
"""

from __future__ import annotations

import uuid
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

import warehouse
from pilotwatch import checks, registry, settings
from pilotwatch.catalogue import Catalogue, Source, load_catalogue
from pilotwatch.ingest import LoadFailed, load_source
from pilotwatch.refresh import RefreshFailed, Summary, resolve_years
from warehouse import one


@task(name="seed-registry", cache_policy=NO_CACHE)
def seed_registry() -> dict[str, int]:
    with warehouse.writer() as con:
        return registry.seed(con)


@task(name="load-source", task_run_name="load-{source.id}", cache_policy=NO_CACHE)
def load_one(
    catalogue: Catalogue, source: Source, years: list[int], run_id: str, force: bool
) -> dict[str, object]:
    logger = get_run_logger()
    with warehouse.writer() as con:
        try:
            r = load_source(con, catalogue, source, years, run_id=run_id, force=force)
        except LoadFailed as exc:
            logger.error("%s", exc)
            row = one(
                con,
                "SELECT load_id, dataset, source_id, source_uri, status, rows_read, rows_accepted, rows_rejected, "
                "message FROM meta.loads WHERE run_id = ? AND source_id = ? ORDER BY load_id DESC LIMIT 1",
                [run_id, source.id],
            )
            keys = (
                "load_id",
                "dataset",
                "source_id",
                "source_uri",
                "status",
                "rows_read",
                "rows_accepted",
                "rows_rejected",
                "message",
            )
            return (
                dict(zip(keys, row, strict=True))
                if row
                else {
                    "status": "failed",
                    "source_id": source.id,
                    "dataset": source.dataset,
                    "rows_accepted": 0,
                    "rows_rejected": 0,
                    "message": str(exc),
                }
            )
    logger.info("%s %s: %s accepted, %s rejected", r.status, source.id, r.rows_accepted, r.rows_rejected)
    return r.as_dict()


@flow(name="annual_refresh", log_prints=True)
def annual_refresh(
    year: int | None = None,
    years: list[int] | None = None,
    catalogue: str | None = None,
    force: bool = False,
    analysis: bool = True,
) -> dict[str, object]:
    """Load the catalogue's sources for ``year`` (or ``years``; default: every catalogued year)."""
    cat = load_catalogue(settings.catalogue_path(catalogue))
    wanted = resolve_years(cat, year, years)
    run_id = str(uuid.uuid4())
    summary = Summary(wanted)
    with warehouse.writer("annual_refresh") as con:
        seed_registry()
        for source in cat.sources:
            if set(source.years) & set(wanted):
                summary.loads.append(load_one(cat, source, wanted, run_id, force))
        if analysis:
            after_load(wanted)
        checks.checkpoint(con, get_run_logger())  # a failed expectation raises: nothing is published
        print(summary.text(con))
    if analysis:
        after_publish()
    if summary.failed:
        raise RefreshFailed(
            f"{len(summary.failed)} source(s) failed (the others were published): "
            + "; ".join(str(r["message"]) for r in summary.failed)
        )
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

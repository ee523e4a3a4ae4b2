"""Scheduled annual refresh: the year to load comes from the run's scheduled start, never from a file.

A year written into ``prefect.yaml`` would be loaded again every year. Instead the yearly deployment
leaves ``year`` empty and the run works it out: a run scheduled on 15 April 2026 (Asia/Almaty) loads
2025, the last complete year (``lag_years=1``). A manual run may still pass ``year`` explicitly.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from flows.refresh import annual_refresh
from pilotwatch import settings
from pilotwatch.catalogue import load_catalogue


def year_from_schedule(lag_years: int = 1, scheduled_start: datetime | None = None) -> int:
    """The year to load for a run scheduled at ``scheduled_start`` (default: this run's scheduled start).

    The start is read in the deployment's timezone (``PILOTWATCH_TIMEZONE``, Asia/Almaty), so a run at
    00:30 on 1 January local time is in the new year even though it is still 31 December in UTC.
    Outside a flow run Prefect reports "now".
    """
    start = scheduled_start if scheduled_start is not None else flow_run.scheduled_start_time
    if start.tzinfo is None:
        raise ValueError("scheduled start must be timezone-aware")
    return start.astimezone(ZoneInfo(settings.timezone())).year - int(lag_years)


@flow(name="scheduled_refresh", log_prints=True)
def scheduled_refresh(
    year: int | None = None,
    catalogue: str | None = None,
    lag_years: int = 1,
    force: bool = False,
) -> dict[str, object]:
    """Refresh ``year`` (default: the scheduled start's year minus ``lag_years``).

    The refresh itself chains the analysis (and monitoring, where installed) before it publishes.
    """
    logger = get_run_logger()
    if year is None:
        year = year_from_schedule(lag_years)
        logger.info("loading %s (scheduled start %s, lag %s year(s))", year, flow_run.scheduled_start_time, lag_years)
    cat = load_catalogue(settings.catalogue_path(catalogue))
    if not any(year in source.years for source in cat.sources):
        # Fail before anything starts: a refresh with nothing to load would only re-check old data.
        raise RuntimeError(
            f"the catalogue has no source for {year}: add that year's sources to the catalogue "
            "(docs/operations.md, 'A new year'), or run this deployment with an explicit year"
        )
    return annual_refresh(year=year, catalogue=catalogue, force=force)

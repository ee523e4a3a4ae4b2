"""Backfill: load (or reload) a range of years in one refresh, published once."""

from __future__ import annotations

from prefect import flow

from flows.refresh import annual_refresh


@flow(name="backfill", log_prints=True)
def backfill(first_year: int, last_year: int, catalogue: str | None = None, force: bool = True) -> dict[str, object]:
    """Load every catalogued source for ``first_year``..``last_year`` (inclusive), then recompute."""
    if last_year < first_year:
        raise ValueError(f"last_year {last_year} is before first_year {first_year}")
    return annual_refresh(years=list(range(first_year, last_year + 1)), catalogue=catalogue, force=force)

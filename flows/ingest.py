"""Ad-hoc ingest: load one file or URL into one dataset (``pilotwatch ingest``)."""

from __future__ import annotations

import uuid

from prefect import flow, get_run_logger

import warehouse
from flows.analysis import recompute_analysis
from flows.artifacts import publish
from pilotwatch import artifacts, checks, registry
from pilotwatch.catalogue import Catalogue, adhoc_source
from pilotwatch.ingest import load_source
from pilotwatch.loads import LoadFailed


@flow(name="ingest", log_prints=True)
def ingest(
    dataset: str, location: str, year: int | None = None, fmt: str | None = None, force: bool = False,
    options: list[str] | None = None,
) -> dict[str, object]:
    """Load ``location`` into ``dataset`` (a long table unless ``options`` say otherwise: catalogue keys)."""
    source = adhoc_source(dataset, location, year=year, fmt=fmt, options=options)
    cat = Catalogue(sources=[source], base_dir=".")
    run_id = str(uuid.uuid4())
    with warehouse.writer(f"ingest {dataset}") as con:
        registry.seed(con)
        try:
            r = load_source(con, cat, source, [year] if year else [], run_id=run_id, force=force)
            if r.status == "loaded":
                # publish through the same analysis and warehouse checks as a refresh (alerts are left to
                # the monitor flow, which runs after every refresh and on its own weekly schedule)
                recompute_analysis()
                checks.checkpoint(con, get_run_logger())
            publish(artifacts.loads(con, run_id, "ingest"))
        except LoadFailed as exc:  # recorded in meta.loads; the CLI prints its message
            publish(artifacts.loads(con, run_id, "ingest"))
            return exc.result.as_dict() | {"rows_accepted": 0}
    return r.as_dict()

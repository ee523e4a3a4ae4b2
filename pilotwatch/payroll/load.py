"""The records load as a recipe: stage, bodies and ids, parse, check, write — then derive, publish once.

``load_records`` runs the steps in order, each a function of the values the earlier ones returned
(``pilotwatch/payroll/model.py``); ``ingest_records`` is ``pilotwatch ingest payroll_records``:
load, derive the years it replaced, publish the warehouse once.

Memory is bounded by ``PILOTWATCH_DUCKDB_MEMORY`` (default 1GB for DuckDB) plus one pandera chunk
in Python, whatever the file size. The ids as delivered exist only in a scratch database in a
private temporary directory (``PILOTWATCH_TMPDIR``), deleted when the load ends; the rows are parsed
once, straight into the warehouse, already keyed (``stage.parse_into_warehouse``), and written once.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import duckdb

import warehouse
from pilotwatch import progress, registry, settings
from pilotwatch.catalogue import Catalogue, Defaults
from pilotwatch.payroll import check, ledger
from pilotwatch.payroll.background import Background
from pilotwatch.payroll.derive import derive
from pilotwatch.payroll.ids import pseudonymise
from pilotwatch.payroll.layout import records_format, records_source
from pilotwatch.payroll.model import (
    DATASET,
    RATE_SERIES,
    STAGE,
    STAGED,
    Load,
    PayrollError,
    RecordsResult,
    Request,
    Stopped,
    lit,
    now,
)
from pilotwatch.payroll.stage import parse_into_warehouse, stage
from pilotwatch.payroll.write import write
from pilotwatch.sources.fetch import safe_uri
from schemas.payroll_records import PayrollRecords  # noqa: F401 - the rules the check step applies
from warehouse import one

MEMORY_ENV = "PILOTWATCH_DUCKDB_MEMORY"
TMPDIR_ENV = "PILOTWATCH_TMPDIR"
DEFAULT_MEMORY = "1GB"
#: Rows per pandera chunk (about 100 MB of typed columns in polars).
CHUNK_ROWS = 1_000_000
#: Refused rows listed one by one in core.quarantine per load; the rest are counted in one line.
QUARANTINE_LIMIT = 10_000
_SCRATCH_TABLES = ("_pr_rejects", "_pr_badlines", "_pr_bodymap", "_pr_scope", "_pr_rates", "_pr_dupkeys",
                   "_pr_csv_rejects", "_pr_csv_rejects_scans", "_pr_csv_rejects2", "_pr_csv_rejects2_scans")


class _Clock:
    """Wall and CPU seconds (all threads) per step, for the result and the benchmark."""

    def __init__(self, on_lap: Callable[[str], None] = lambda name: None) -> None:
        self.on_lap = on_lap  # the progress display in a terminal (pilotwatch.progress)
        self.seconds: dict[str, float] = {}
        self.cpu_seconds: dict[str, float] = {}
        self._last = (time.perf_counter(), time.process_time())

    def lap(self, name: str) -> None:
        t = (time.perf_counter(), time.process_time())
        self.seconds[name] = round(t[0] - self._last[0], 3)
        self.cpu_seconds[name] = round(t[1] - self._last[1], 3)
        self._last = t
        self.on_lap(name)


def load_records(con: duckdb.DuckDBPyConnection, location: str, *, year: int | None = None, fmt: str | None = None,
                 force: bool = False, rate_series: str = RATE_SERIES, max_reject_share: float | None = None,
                 run_id: str | None = None) -> RecordsResult:
    """Load a records file or URL into the warehouse behind ``con`` (no derivation; see ``derive``)."""
    share = Defaults().max_reject_share if max_reject_share is None else max_reject_share
    request = Request(location, records_format(location, fmt), year, force, rate_series, share, run_id,
                      CHUNK_ROWS, QUARANTINE_LIMIT)
    with progress.steps(f"payroll records {safe_uri(location)}", total=LOAD_STEPS) as advance:
        return _load_records(con, request, _Clock(advance))


#: The steps ``_Clock.lap`` marks in one load (stage ... load, cleanup): the progress bar's length.
LOAD_STEPS = 8


def _load_records(con: duckdb.DuckDBPyConnection, request: Request, clock: _Clock) -> RecordsResult:
    workdir = Path(tempfile.mkdtemp(prefix="pilotwatch-payroll-", dir=settings.payroll_tmpdir()))
    load = _start(con, request, workdir)
    try:
        with bounded_memory(con):
            result = _steps(con, load, clock)
    except Stopped as stop:
        result = ledger.record(con, load, RecordsResult(load.load_id, stop.status, load.uri, message=stop.message),
                               stop.sha)
    finally:
        _clean_up(con, workdir)
        clock.lap("cleanup")
    return replace(result, seconds=clock.seconds, cpu_seconds=clock.cpu_seconds)


def _steps(con: duckdb.DuckDBPyConnection, load: Load, clock: _Clock) -> RecordsResult:
    """stage (first pass) -> bodies, ids -> parse into the warehouse -> check (SQL, pandera beside it) -> write."""
    staged = stage(con, load)
    clock.lap("stage")
    check.ensure_rates(con, load, check.years(con, load))
    bodies = check.resolve(con, load)
    ids = pseudonymise(con, staged)
    clock.lap("bodies_ids")
    staged = parse_into_warehouse(con, load, staged)  # now with the lines the full parse refused
    scoped = check.scope(con, load, staged)
    clock.lap("parse")
    # pandera (Python, one core) runs beside DuckDB's own checks until the uniqueness check
    rules = Background(lambda: check.check_rules(con, load), "pandera")
    try:
        check.check_sql(con, load)
        check.dup_candidates(con)
        clock.lap("validate_sql")
    except BaseException:
        rules.wait()  # never leave the thread reading through a connection about to close
        raise
    check.add_rejects(con, rules.join())
    clock.lap("validate_pandera_wait")
    check.check_unique(con)
    clock.lap("validate_unique")
    result = write(con, load, staged, scoped, bodies, ids)
    clock.lap("load")
    return result


def _start(con: duckdb.DuckDBPyConnection, request: Request, workdir: Path) -> Load:
    source = records_source(request.location, request.fmt)
    catalogue = Catalogue(sources=[source], base_dir=".")
    load_id = int(one(con, "SELECT nextval('meta.load_id_seq')")[0])  # type: ignore[index]
    started: datetime = now()
    return Load(load_id, started, request, source, catalogue, safe_uri(catalogue.location(source)), workdir)


def _clean_up(con: duckdb.DuckDBPyConnection, workdir: Path) -> None:
    """Drop the scratch tables (first, so that detaching has nothing to checkpoint) and delete the directory."""
    for t in (f"{STAGE}.labels", f"{STAGE}.ids", STAGED):  # STAGED is gone unless the load stopped early
        with contextlib.suppress(duckdb.Error):
            con.execute(f"DROP TABLE IF EXISTS {t}")
    with contextlib.suppress(duckdb.Error):
        con.execute(f"DETACH DATABASE IF EXISTS {STAGE}")
    for t in _SCRATCH_TABLES:
        with contextlib.suppress(duckdb.Error):
            con.execute(f"DROP TABLE IF EXISTS {t}")
    shutil.rmtree(workdir, ignore_errors=True)


@contextlib.contextmanager
def bounded_memory(con: duckdb.DuckDBPyConnection) -> Iterator[str]:
    """DuckDB's memory limit for the duration of a records load (``PILOTWATCH_DUCKDB_MEMORY``)."""
    limit = settings.duckdb_memory_limit(DEFAULT_MEMORY)
    if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", limit, re.IGNORECASE):
        raise PayrollError(f"{MEMORY_ENV}={limit!r}: give a size such as 1GB or 1500MB")
    setting = "SELECT current_setting('memory_limit'), current_setting('enable_progress_bar')"
    old, bar = one(con, setting)  # type: ignore[misc]
    con.execute("RESET memory_limit")
    # current_setting() rounds ("18.8 GiB"): restore the default exactly when it was the default
    restore = "RESET memory_limit" if one(con, setting)[0] == old else f"SET memory_limit = {lit(str(old))}"  # type: ignore[index]
    con.execute(f"SET memory_limit = {lit(limit)}")
    con.execute("SET enable_progress_bar = false")
    try:
        yield limit
    finally:
        con.execute(restore)
        con.execute(f"SET enable_progress_bar = {'true' if bar else 'false'}")


def ingest_records(location: str, *, year: int | None = None, fmt: str | None = None, force: bool = False,
                   rate_series: str = RATE_SERIES, max_reject_share: float | None = None,
                   run_id: str | None = None) -> RecordsResult:
    """``pilotwatch ingest payroll_records``: load, derive, publish once."""
    with warehouse.writer(f"ingest {DATASET}") as con:
        registry.seed(con)
        with bounded_memory(con):
            result = load_records(con, location, year=year, fmt=fmt, force=force, rate_series=rate_series,
                                  max_reject_share=max_reject_share, run_id=run_id or str(uuid.uuid4()))
            if result.status == "loaded":
                d = derive(con, result.years, rate_series)
                result = replace(result, derived_facts=d.facts)
                result.seconds["derive"] = d.seconds
                result.cpu_seconds["derive"] = d.cpu_seconds
        t0, c0 = time.perf_counter(), time.process_time()
    result.seconds["publish"] = round(time.perf_counter() - t0, 3)
    result.cpu_seconds["publish"] = round(time.process_time() - c0, 3)
    return result

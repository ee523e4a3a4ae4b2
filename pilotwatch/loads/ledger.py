"""The load ledger: one load's life in ``meta.loads`` (``mart.loads``), written in one place.

Every loader — catalogue sources (``pilotwatch.ingest``), survey exports (``pilotwatch.survey``), and
payroll records once it adopts this — records its loads through :class:`Load`, so the audit row has
one shape (named columns, never a positional insert), "unchanged since the last load" means one thing,
the reject-share gate words its refusal one way, and refused cells reach ``core.quarantine`` in the
reject vocabulary of ``schemas.rejects``. ``meta.loads`` is written by :func:`write_row` and nothing
else.

The whole API, in the order a loader uses it::

    from pilotwatch.loads import Load, LoadFailed

    load = Load.start(con, dataset="payroll", source_id="payroll_records", source_kind="file",
                      source_uri=uri, years=[2021], run_id=run_id)   # allocates load_id, notes the time
    prev = load.previous_state()        # {etag, last_modified, sha256} of the URI, for a conditional GET
    ...fetch...                         # load.source_uri = got.uri  if the fetch resolved another URI
    if (done := load.unchanged(got.sha256, not_modified=got.not_modified, force=force)) is not None:
        return done                     # recorded as 'unchanged'; nothing else to do
    ...read, validate...
    load.count(read=n_read, accepted=valid.height, rejected=rejects.height)
    with load.transaction():            # BEGIN; COMMIT; ROLLBACK on error, but COMMIT on LoadFailed
        load.quarantine(rejects, raw_rows)           # schemas.rejects.REJECTS frame (+ raw rows)
        if (why := load.gate(max_reject_share, first_problems=load.describe(rejects))):
            raise load.fail(why)        # records 'failed' (audit + quarantine kept, facts untouched)
        ...write facts...
        load.remember_source(got.etag, got.last_modified)
        result = load.finish(message)   # records 'loaded'

A failure before the transaction (the fetch or the parse) is ``raise load.fail(str(exc)) from exc``.
:class:`LoadFailed` carries its :class:`LoadResult` (``exc.result``) and its ``meta.loads`` row, so an
orchestrator reports a failed load from the exception — it never reads ``meta.loads`` back to rebuild
it — and can publish the failure even when it discards the rest of its work (:func:`record_again`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import duckdb
import polars as pl

from schemas.rejects import rejected_cell_may_fail
from warehouse import one, sql

#: Refused cells quoted in a load's message (the rest are in mart.quarantine).
FIRST_PROBLEMS = 5


@dataclass
class LoadResult:
    """What a load did, as ``mart.loads`` shows it (and what flows and the CLI print)."""

    load_id: int
    dataset: str
    source_id: str
    source_uri: str
    status: str  # loaded | unchanged | failed
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    message: str = ""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


class LoadFailed(RuntimeError):
    """A source could not be loaded; the warehouse facts are unchanged.

    ``result`` is the failed load as reported; ``record`` its ``meta.loads`` row, so that a refresh
    whose working copy is discarded can still publish why the load failed (:func:`record_again`).
    """

    def __init__(self, result: LoadResult, record: dict[str, object] | None = None) -> None:
        super().__init__(result.message)
        self.result = result
        self.record = record or {}

    def __reduce__(self) -> tuple[type[LoadFailed], tuple[LoadResult, dict[str, object]]]:  # orchestrators pickle
        return (LoadFailed, (self.result, self.record))

    def __repr__(self) -> str:  # the reason is printed once, by whoever reports the failure, not in every log
        return f"LoadFailed(load {self.result.load_id} of source {self.result.source_id})"


def now() -> datetime:
    """UTC wall time without a zone, as the warehouse's TIMESTAMP columns hold it."""
    return datetime.now(UTC).replace(tzinfo=None)


def years_key(years: Sequence[int] | str) -> str:
    """``meta.loads.years``: sorted, comma-separated years (a survey wave is kept as written)."""
    return years if isinstance(years, str) else ",".join(str(y) for y in sorted(set(years)))


def source_state(con: duckdb.DuckDBPyConnection, uri: str) -> dict[str, str | None] | None:
    """ETag, Last-Modified and sha256 of ``uri``'s last fetch (for a conditional GET), or None."""
    row = one(con, sql("source_state"), [uri])
    return dict(zip(("etag", "last_modified", "sha256"), row, strict=True)) if row else None


def is_unchanged(con: duckdb.DuckDBPyConnection, *, source_id: str, dataset: str, years: Sequence[int] | str,
                 sha256: str | None, not_modified: bool = False) -> bool:
    """The one meaning of "unchanged since the last load": the bytes are what the newest ``loaded`` or
    ``unchanged`` load of the same source, dataset and years read (or the server answered 304).

    A module function as well as :meth:`Load.unchanged`, so an orchestrator can sort unchanged sources
    from changed ones before it starts a load (the refresh records every unchanged source in one step).
    """
    if not_modified:
        return True
    last = one(con, sql("last_loaded_sha"), [source_id, dataset, years_key(years)])
    return last is not None and last[0] == sha256


class Load:
    """One load attempt: its identity, counts and outcome, recorded once when it ends."""

    def __init__(self, con: duckdb.DuckDBPyConnection, *, load_id: int, dataset: str, source_id: str,
                 source_kind: str, source_uri: str, years: Sequence[int] | str, run_id: str | None) -> None:
        self.con = con
        self.result = LoadResult(load_id, dataset, source_id, source_uri, "running")
        self.source_kind = source_kind
        self.years = years_key(years)
        self.run_id = run_id
        self.sha256: str | None = None
        self.held = 0
        self.started_at = now()

    @classmethod
    def start(cls, con: duckdb.DuckDBPyConnection, *, dataset: str, source_id: str, source_kind: str,
              source_uri: str, years: Sequence[int] | str = "", run_id: str | None = None) -> Load:
        """Begin a load: allocate its ``load_id`` (facts, staging and quarantine point at it)."""
        load_id = int(one(con, "SELECT nextval('meta.load_id_seq')")[0])  # type: ignore[index]
        return cls(con, load_id=load_id, dataset=dataset, source_id=source_id, source_kind=source_kind,
                   source_uri=source_uri, years=years, run_id=run_id)

    @property
    def load_id(self) -> int:
        return self.result.load_id

    @property
    def source_uri(self) -> str:
        return self.result.source_uri

    @source_uri.setter
    def source_uri(self, uri: str) -> None:
        self.result.source_uri = uri

    # -- before reading -----------------------------------------------------------------------

    def previous_state(self) -> dict[str, str | None] | None:
        """ETag, Last-Modified and sha256 of this URI's last fetch (for a conditional GET), or None."""
        return source_state(self.con, self.source_uri)

    def unchanged(self, sha256: str | None, *, not_modified: bool = False, force: bool = False) -> LoadResult | None:
        """Record and return an ``unchanged`` load when the bytes are what the last good load read.

        "Last good load" is the newest ``loaded``/``unchanged`` load of the same source, dataset and
        years; a server's 304 (``not_modified``) counts too. ``force`` never finds a source unchanged.
        """
        self.sha256 = sha256
        if force or not is_unchanged(self.con, source_id=self.result.source_id, dataset=self.result.dataset,
                                     years=self.years, sha256=sha256, not_modified=not_modified):
            return None
        return self.finish("source unchanged since the last load", status="unchanged")

    # -- counting and refusing ----------------------------------------------------------------

    def count(self, *, read: int, accepted: int, rejected: int, held: int = 0) -> None:
        """What was read (values, respondents or records), what passed, what was refused, and what was
        held for a person to look at (suspected unit or scale errors: counted, but not as refused)."""
        r = self.result
        r.rows_read, r.rows_accepted, r.rows_rejected = read, accepted, rejected
        self.held = held

    def describe(self, rejects: pl.DataFrame, limit: int = FIRST_PROBLEMS) -> str:
        """``row 7, column 'year': reason; …`` — the first refused cells, for messages and logs."""
        parts = [f"row {r}, column '{c}': {why}" for r, c, why in rejects.select("_row", "column_name", "reason")
                 .head(limit).iter_rows()]
        more = f" (+{rejects.height - limit} more, see mart.quarantine)" if rejects.height > limit else ""
        return "; ".join(parts) + more

    def where(self) -> str:
        """``source X (uri)`` — how every message of this load names its source."""
        return f"source {self.result.source_id} ({self.source_uri})"

    def gate(self, max_reject_share: float, *, noun: str = "values", first_problems: str = "",
             empty: str | None = None) -> str | None:
        """Why this load must not write its facts, or None: nothing to load, or too much refused.

        ``max_reject_share`` is the catalogue's threshold (0.2 by default): a file where more than that
        share of values is refused is more likely misread than dirty, so nothing of it is loaded.
        """
        r = self.result
        total = r.rows_accepted + r.rows_rejected + self.held
        if total == 0:
            return f"{self.where()}: {empty or f'no {noun} for years {self.years}'}"
        share = r.rows_rejected / total
        if share <= max_reject_share:
            return None
        return (f"{self.where()}: {r.rows_rejected} of {total} {noun} rejected "
                f"({share:.0%} > max_reject_share {max_reject_share:.0%}); nothing loaded"
                + (f". First problems: {first_problems}" if first_problems else ""))

    def quarantine(self, rejects: pl.DataFrame, raw_rows: pl.DataFrame | None = None) -> int:
        """Write refused cells to ``core.quarantine``; returns how many.

        ``rejects`` is a ``schemas.rejects.REJECTS`` frame (``_row, column_name, reason``), optionally
        with its own ``raw_row`` (JSON text); otherwise ``raw_rows`` (``row_number, raw_row``) gives the
        row as read. The rows are checked against ``RejectedCell`` before they are written.
        """
        if rejects.is_empty():
            return 0
        q = rejects.rename({"_row": "row_number"})
        if "raw_row" not in q.columns:
            q = (q.join(raw_rows, on="row_number", how="left") if raw_rows is not None
                 else q.with_columns(pl.lit(None, pl.String).alias("raw_row")))
        q = q.select(pl.lit(self.result.source_id).alias("source_id"), pl.col("row_number").cast(pl.Int64),
                     "column_name", "reason", pl.col("raw_row").cast(pl.String))
        # pandera only when the polars check finds something RejectedCell could refuse (schemas/__init__.py
        # says why): the cells a load or a survey refuses are built here and nearly always pass
        if rejected_cell_may_fail(q):
            from schemas.quarantine import RejectedCell

            RejectedCell.validate(q)
        self.con.register("_quarantine", q)
        try:
            self.con.execute(sql("insert_quarantine"), [self.load_id, self.result.dataset, self.source_uri, now()])
        finally:
            self.con.unregister("_quarantine")
        return q.height

    def remember_source(self, etag: str | None, last_modified: str | None) -> None:
        """Keep the URI's validators and sha256 for the next conditional GET."""
        self.con.execute(sql("upsert_source_state"), [self.source_uri, etag, last_modified, self.sha256, now()])

    # -- ending -------------------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction for the load's writes. A :class:`LoadFailed` raised inside commits what was
        recorded (quarantine and the failed audit row, written before any fact) and propagates; any
        other error rolls everything back."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield
        except LoadFailed:
            self.con.execute("COMMIT")
            raise
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def finish(self, message: str = "", *, status: str = "loaded") -> LoadResult:
        """Record the load as ``loaded`` (or ``unchanged``) with an optional note; returns its result."""
        self.result.status, self.result.message = status, message
        self._record()
        return self.result

    def fail(self, message: str) -> LoadFailed:
        """Record the load as ``failed`` with its reason; returns the exception to raise."""
        self.result.status, self.result.message = "failed", message
        return LoadFailed(self.result, self._record())

    def _record(self) -> dict[str, object]:
        """This load's ``meta.loads`` row, written; returned so a failure can carry it."""
        r = self.result
        row: dict[str, object] = {
            "load_id": r.load_id, "run_id": self.run_id, "dataset": r.dataset, "source_id": r.source_id,
            "source_kind": self.source_kind, "source_uri": r.source_uri, "years": self.years,
            "sha256": self.sha256, "rows_read": r.rows_read, "rows_accepted": r.rows_accepted,
            "rows_rejected": r.rows_rejected, "started_at": self.started_at, "finished_at": now(),
            "status": r.status, "message": r.message or None,
        }
        write_row(self.con, row)
        return row


def record_again(con: duckdb.DuckDBPyConnection, failure: LoadFailed) -> LoadResult:
    """Record a failed load in another warehouse session than the one it ran in (under a new
    ``load_id``): a refresh whose checks then failed is discarded whole, yet why its sources failed
    must reach ``mart.loads``."""
    load_id = int(one(con, "SELECT nextval('meta.load_id_seq')")[0])  # type: ignore[index]
    write_row(con, failure.record | {"load_id": load_id})
    failure.result.load_id = load_id
    return failure.result


def write_row(con: duckdb.DuckDBPyConnection, row: dict[str, object]) -> None:
    """The one write to ``meta.loads`` (named columns; ``warehouse/sql/record_load.sql``).

    ``row`` names every column of ``meta.loads``. A loader that keeps its own load object (payroll's
    ``pilotwatch.payroll.ledger.record``) calls this instead of inserting; everything else uses
    :class:`Load`."""
    con.execute(sql("record_load"), row)

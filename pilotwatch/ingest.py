"""Load one catalogue source into the warehouse: fetch → read → reshape → parse → validate → load.

Each load is one transaction. Rows that fail go to ``core.quarantine`` with the source, row,
column and reason; a load whose rejected share exceeds the threshold fails and leaves the facts
exactly as they were (the attempt and its reasons are still recorded in ``meta.loads`` and the
quarantine, so an operator can see why).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import duckdb
import polars as pl

from pilotwatch import lineage, plausibility
from pilotwatch.catalogue import Catalogue, Source
from pilotwatch.faults import failpoint
from pilotwatch.registry import registry_frames
from pilotwatch.revisions import write_facts
from pilotwatch.sources.fetch import Fetched, SourceError, fetch
from pilotwatch.sources.readers import ReadTable, read_source
from schemas.validate import validate
from transforms.facts import prepare_facts
from transforms.numbers import default_format
from transforms.reshape import to_long
from warehouse import one, replace_rows, sql

log = logging.getLogger("pilotwatch.ingest")


@dataclass
class LoadResult:
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
    """A source could not be loaded; the warehouse facts are unchanged."""


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _years_key(years: list[int]) -> str:
    return ",".join(str(y) for y in sorted(years))


def _record(
    con: duckdb.DuckDBPyConnection,
    r: LoadResult,
    *,
    source: Source,
    years: list[int],
    sha: str | None,
    started: datetime,
    run_id: str | None,
) -> None:
    con.execute(
        "INSERT INTO meta.loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            r.load_id,
            run_id,
            r.dataset,
            r.source_id,
            source.kind,
            r.source_uri,
            _years_key(years),
            sha,
            r.rows_read,
            r.rows_accepted,
            r.rows_rejected,
            started,
            _now(),
            r.status,
            r.message or None,
        ],
    )


def _raw_rows(table: pl.DataFrame) -> pl.DataFrame:
    cols = [c for c in table.columns if c != "_row"]
    return table.select(
        pl.col("_row").cast(pl.Int64).alias("row_number"),
        pl.struct(cols).struct.json_encode().alias("raw_row") if cols else pl.lit("{}").alias("raw_row"),
    )


def row_message(source: Source, uri: str, rejects: pl.DataFrame, limit: int = 5) -> str:
    """ "source X (uri): row 7, column 'Y': reason; …" — the first few rejects, for logs and errors."""
    parts = [f"row {r}, column '{c}': {why}" for r, c, why in rejects.head(limit).iter_rows()]
    more = f" (+{rejects.height - limit} more, see mart.quarantine)" if rejects.height > limit else ""
    return f"source {source.id} ({uri}): " + "; ".join(parts) + more


def load_source(
    con: duckdb.DuckDBPyConnection,
    catalogue: Catalogue,
    source: Source,
    years: list[int],
    *,
    run_id: str | None = None,
    force: bool = False,
    fetched: Fetched | None = None,
) -> LoadResult:
    """Load ``source`` for ``years`` (those it covers) into the warehouse behind ``con``."""
    started = _now()
    uri = (
        catalogue.location(source)
        if source.kind != "http"
        else (fetched.uri if fetched else source.url or "")
    )
    years = sorted(set(years) & set(source.years)) if source.years else sorted(years)
    load_id = int(one(con, "SELECT nextval('meta.load_id_seq')")[0])  # type: ignore[index]
    result = LoadResult(load_id, source.dataset, source.id, uri, "failed")
    previous = one(
        con, "SELECT etag, last_modified, sha256 FROM meta.source_state WHERE source_uri = ?", [uri]
    )
    prev = (
        dict(zip(("etag", "last_modified", "sha256"), previous, strict=True))
        if previous and not force
        else None
    )
    sha: str | None = None
    try:
        got = fetched or fetch(source, catalogue, prev)
        result.source_uri = uri = got.uri or uri
        sha = got.sha256
        last_sha = one(con, sql("last_loaded_sha"), [source.id, source.dataset, _years_key(years)])
        if not force and (got.not_modified or (last_sha and last_sha[0] == got.sha256)):
            result.status, result.message = "unchanged", "source unchanged since the last load"
            _record(con, result, source=source, years=years, sha=sha, started=started, run_id=run_id)
            return result
        assert got.content is not None
        failpoint("fetch")
        read = read_source(got.content, source)
    except SourceError as exc:
        result.message = str(exc)
        _record(con, result, source=source, years=years, sha=sha, started=started, run_id=run_id)
        raise LoadFailed(str(exc)) from exc

    staged = stage(con, source, read, years)
    table, valid, rejects, held = read.frame, staged.valid, staged.rejects, staged.held
    failpoint("validate")
    result.rows_read = table.height
    result.rows_accepted = valid.height
    result.rows_rejected = rejects.height
    total = valid.height + rejects.height + held.height
    share = rejects.height / total if total else 0.0
    threshold = catalogue.max_reject_share(source)
    if total == 0:
        result.message = f"source {source.id} ({uri}): no values for years {_years_key(years)}"
    elif share > threshold:
        result.message = (
            f"source {source.id} ({uri}): {rejects.height} of {total} values rejected "
            f"({share:.0%} > max_reject_share {threshold:.0%}); nothing loaded. First problems: "
            + row_message(source, uri, rejects).split(": ", 1)[1]
        )

    rejects = pl.concat([rejects, plausibility.hold(con, held, load_id=load_id, dataset=source.dataset,
                                                    source_id=source.id)]).sort("_row")
    raw = _raw_rows(table)
    con.register("_raw_rows", raw)
    con.register("_quarantine", rejects)
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql("insert_quarantine"), [load_id, source.dataset, source.id, uri, _now()])
            if result.message:  # failed: quarantine and audit only, facts untouched
                _record(con, result, source=source, years=years, sha=sha, started=started, run_id=run_id)
                con.execute("COMMIT")
                raise LoadFailed(result.message)
            con.execute(sql("load_source_rows"), [load_id])
            overridden, change_notes = _load_facts(con, source, valid, load_id, sha)
            lineage.store(con, load_id, valid)
            failpoint("load")
            con.execute(sql("upsert_source_state"), [uri, got.etag, got.last_modified, sha, _now()])
            result.status = "loaded"
            notes = [row_message(source, uri, rejects)] if rejects.height else []
            if held.height:
                notes.append(f"{held.height} value(s) held as suspected unit or scale errors (mart.held_values)")
            if read.notes:
                notes.append(f"{len(read.notes)} note(s) after the table, not read as data: "
                             + "; ".join(f"row {n}: {t[:80]}" for n, t in read.notes))
            notes += change_notes
            if overridden:
                notes.append(f"{len(overridden)} value(s) differ from another source's and were replaced: "
                             + "; ".join(f"{b} {y} {i}: {o:g} ({src}) -> {n:g}" for b, y, i, o, n, src in overridden[:5]))
            result.message = " | ".join(notes)
            _record(con, result, source=source, years=years, sha=sha, started=started, run_id=run_id)
            con.execute("COMMIT")
        except LoadFailed:
            raise
        except Exception:
            con.execute("ROLLBACK")
            raise
    finally:
        con.unregister("_raw_rows")
        con.unregister("_quarantine")
    if result.message:
        log.warning("%s", result.message)
    return result


@dataclass(frozen=True)
class Staged:
    """A source read, reshaped, resolved and validated: what a load writes, or a dry run shows."""

    long: pl.DataFrame  # one row per value as read (labels and unit text as found)
    valid: pl.DataFrame  # rows that pass (row_number, body_code, year, indicator, value, unit, …)
    rejects: pl.DataFrame  # _row, column_name, reason
    held: pl.DataFrame  # valid-looking values held as suspected unit or scale errors (pilotwatch.plausibility)


def stage(con: duckdb.DuckDBPyConnection, source: Source, read: ReadTable, years: list[int]) -> Staged:
    """The pipeline between reading and writing, shared by loads and ``--dry-run`` (reads ``con`` only)."""
    reg = registry_frames(con)
    long = to_long(read.frame, source, read.units)
    prepared = prepare_facts(
        long,
        source.dataset,
        reg["aliases"],
        reg["labels"],
        reg["indicators"],
        years,
        year_column=source.columns.year or "year",
        numbers=default_format(source.format, source.numbers.decimal, source.numbers.thousands),
        assume_declared=source.units.assume_declared,
        rates=reg["rates"],
    )
    candidates = prepared.accepted.rename({"_row": "row_number"})
    valid, schema_rejects = validate(source.dataset, candidates)
    valid, held = plausibility.screen(con, source.dataset, valid)  # suspected unit/scale errors: held, not rejected
    return Staged(long, valid, pl.concat([prepared.rejected, schema_rejects]).sort("_row"), held)


def _load_facts(
    con: duckdb.DuckDBPyConnection, source: Source, valid: pl.DataFrame, load_id: int, sha: str | None
) -> tuple[list[tuple], list[str]]:
    """Write staging and core rows; return published values that another source had given differently,
    and notes on what the load removed or could not change (``pilotwatch.revisions``)."""
    dataset = source.dataset
    lid = pl.lit(load_id, dtype=pl.Int64).alias("load_id")
    if dataset == "macro":
        staged = valid.select(lid, "row_number", "series", pl.col("year").cast(pl.Int32), "value", "unit")
        replace_rows(con, "staging.macro", staged, key=["load_id", "row_number"])
        facts = valid.select(
            "series", pl.col("year").cast(pl.Int32), "value", "unit", pl.lit(dataset).alias("dataset"), lid
        )
        replace_rows(con, "core.macro_series", facts, key=["series", "year"])
        return [], []
    staged = valid.select(
        lid, "row_number", "body_code", pl.col("year").cast(pl.Int32), "indicator", "value", "unit"
    )
    replace_rows(con, f"staging.{dataset}", staged, key=["load_id", "row_number"])
    if dataset == "targets":
        facts = valid.select(
            "body_code",
            pl.col("year").cast(pl.Int32),
            "indicator",
            "value",
            "unit",
            pl.lit(dataset).alias("dataset"),
            lid,
        )
        replace_rows(
            con,
            "core.targets",
            facts,
            key=["body_code", "year", "indicator"],
            scope=["dataset", "year", "body_code"],
        )
        return [], []
    facts = valid.select(
        "body_code",
        pl.col("year").cast(pl.Int32),
        "indicator",
        "value",
        "unit",
        pl.lit("published").alias("basis"),
        pl.lit(dataset).alias("dataset"),
        lid,
    )
    con.register("_new_facts", facts)
    try:
        overridden = con.execute(sql("conflicting_facts"), [source.id]).fetchall()
    finally:
        con.unregister("_new_facts")
    changes = write_facts(
        con, facts, source_id=source.id, sha256=sha, mode=source.replace, load_id=load_id, recorded_at=_now()
    )
    return overridden, changes.notes()

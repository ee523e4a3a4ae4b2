"""Load one catalogue source into the warehouse: fetch → read → reshape → parse → validate → load.

Each load is one transaction. Rows that fail go to ``core.quarantine`` with the source, row,
column and reason; a load whose rejected share exceeds the threshold fails and leaves the facts
exactly as they were (the attempt and its reasons are still recorded in ``meta.loads`` and the
quarantine, so an operator can see why).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import duckdb
import polars as pl

from pilotwatch import lineage, plausibility
from pilotwatch.catalogue import Catalogue, Source, source_years
from pilotwatch.faults import failpoint
from pilotwatch.loads import Load, LoadFailed, LoadResult, now
from pilotwatch.registry import registry_frames
from pilotwatch.revisions import write_facts
from pilotwatch.sources.fetch import Fetched, SourceError, fetch, safe_uri
from pilotwatch.sources.readers import ReadTable, read_source
from schemas.validate import validate
from transforms.facts import prepare_facts
from transforms.numbers import default_format
from transforms.reshape import source_headers, to_long
from warehouse import replace_rows, sql

__all__ = ["LoadFailed", "LoadResult", "Staged", "load_source", "stage"]  # LoadFailed/LoadResult: pilotwatch.loads

log = logging.getLogger("pilotwatch.ingest")


def _raw_rows(table: pl.DataFrame) -> pl.DataFrame:
    cols = [c for c in table.columns if c != "_row"]
    return table.select(
        pl.col("_row").cast(pl.Int64).alias("row_number"),
        pl.struct(cols).struct.json_encode().alias("raw_row") if cols else pl.lit("{}").alias("raw_row"),
    )


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
    """Load ``source`` for ``years`` (those it covers) into the warehouse behind ``con``.

    Raises :class:`LoadFailed` (carrying the failed load's result, already recorded with its
    reason and quarantine) when the source cannot be fetched or read, or refuses too much.
    """
    uri = (
        catalogue.location(source)
        if source.kind != "http"
        else (fetched.uri if fetched else safe_uri(source.url or ""))  # never a credential in mart.loads
    )
    years = source_years(source, years)
    load = Load.start(con, dataset=source.dataset, source_id=source.id, source_kind=source.kind,
                      source_uri=uri, years=years, run_id=run_id)
    try:
        got = fetched or fetch(source, catalogue, None if force else load.previous_state())
        load.source_uri = got.uri or uri
        if (done := load.unchanged(got.sha256, not_modified=got.not_modified, force=force)) is not None:
            return done
        assert got.content is not None
        failpoint("fetch")
        read = read_source(got.content, source)
        staged = stage(con, source, read, years)
    except SourceError as exc:
        raise load.fail(str(exc)) from exc
    except (pl.exceptions.PolarsError, KeyError, ValueError) as exc:  # parsed, but not as the catalogue says
        raise load.fail(f"{load.where()}: cannot reshape the table as its catalogue entry describes it: "
                        f"{type(exc).__name__}: {exc}") from exc

    table, valid, rejects, held = read.frame, staged.valid, staged.rejects, staged.held
    failpoint("validate")
    # values read after reshaping (mart.loads.rows_read says so): a wide row holds several values
    load.count(read=staged.long.height, accepted=valid.height, rejected=rejects.height, held=held.height)
    problems = f"{load.where()}: {load.describe(rejects)}" if rejects.height else ""
    refused = load.gate(catalogue.max_reject_share(source), first_problems=load.describe(rejects))
    rejects = pl.concat([rejects, plausibility.hold(con, held, load_id=load.load_id, dataset=source.dataset,
                                                    source_id=source.id)]).sort("_row")
    raw = _raw_rows(table)
    with load.transaction():
        load.quarantine(rejects, raw)
        if refused:  # quarantine and audit only, facts untouched
            raise load.fail(refused)
        con.register("_raw_rows", raw)
        try:
            con.execute(sql("load_source_rows"), [load.load_id])
        finally:
            con.unregister("_raw_rows")
        overridden, change_notes = _load_facts(con, source, valid, load.load_id, load.sha256)
        lineage.store(con, load.load_id, valid)
        failpoint("load")
        load.remember_source(got.etag, got.last_modified)
        notes = [problems] if problems else []
        if held.height:
            notes.append(f"{held.height} value(s) held as suspected unit or scale errors (mart.held_values)")
        if read.notes:
            notes.append(f"{len(read.notes)} note(s) after the table, not read as data: "
                         + "; ".join(f"row {n}: {t[:80]}" for n, t in read.notes))
        notes += change_notes
        if overridden:
            notes.append(f"{len(overridden)} value(s) differ from another source's and were replaced: "
                         + "; ".join(f"{b} {y} {i}: {o:g} ({src}) -> {n:g}" for b, y, i, o, n, src in overridden[:5]))
        result = load.finish(" | ".join(notes))
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


def stage(con: duckdb.DuckDBPyConnection, source: Source, read: ReadTable, years: list[int],
          rates: pl.DataFrame | None = None) -> Staged:
    """The pipeline between reading and writing, shared by loads and ``--dry-run`` (reads ``con`` only).

    ``rates``: macro values a dry run staged before this source (series, year, value), used ahead of
    the warehouse's, as the real refresh would have loaded them first."""
    reg = registry_frames(con)
    headers = source_headers(source)
    if rates is not None and not rates.is_empty():
        reg["rates"] = pl.concat([rates, reg["rates"].join(rates, on=["series", "year"], how="anti")], how="vertical_relaxed")
    long = to_long(read.frame, source, read.units)
    prepared = prepare_facts(
        long,
        source.dataset,
        reg["aliases"],
        reg["labels"],
        reg["indicators"],
        years,
        headers,
        numbers=default_format(source.format, source.numbers.decimal, source.numbers.thousands),
        assume_declared=source.units.assume_declared,
        rates=reg["rates"],
    )
    candidates = prepared.accepted.rename({"_row": "row_number"})
    valid, schema_rejects = validate(source.dataset, candidates, headers)
    valid, held = plausibility.screen(con, source.dataset, valid)  # suspected unit/scale errors: held, not rejected
    return Staged(long, valid, pl.concat([prepared.rejected, schema_rejects]).sort("_row"), held)


#: The columns of ``staging.<dataset>`` after ``load_id``: indicator facts, and (``True``) macro series.
STAGING_COLUMNS = {False: ["row_number", "body_code", "year", "indicator", "value", "unit"],
                   True: ["row_number", "series", "year", "value", "unit"]}


def _load_facts(
    con: duckdb.DuckDBPyConnection, source: Source, valid: pl.DataFrame, load_id: int, sha: str | None
) -> tuple[list[tuple], list[str]]:
    """Write staging and core rows; return published values that another source had given differently,
    and notes on what the load removed or could not change (``pilotwatch.revisions``)."""
    dataset = source.dataset
    lid = pl.lit(load_id, dtype=pl.Int64).alias("load_id")
    # staging: rows of a new load_id, so a plain insert (replace_rows would look for rows to delete first)
    staged = STAGING_COLUMNS[dataset == "macro"]
    con.register("_load_values", valid.select(staged))
    try:
        con.execute(sql("load_staging_rows").format(table=f"staging.{dataset}", columns=", ".join(staged)), [load_id])
    finally:
        con.unregister("_load_values")
    if dataset == "macro":
        facts = valid.select(
            "series", pl.col("year").cast(pl.Int32), "value", "unit", pl.lit(dataset).alias("dataset"), lid
        )
        replace_rows(con, "core.macro_series", facts, key=["series", "year"])
        return [], []
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
        con, facts, source_id=source.id, sha256=sha, mode=source.replace, load_id=load_id, recorded_at=now()
    )
    return overridden, changes.notes()

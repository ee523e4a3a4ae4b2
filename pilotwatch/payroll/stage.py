"""Step 1, stage: fetch the file (or find it unchanged) and parse it once into the scratch database.

DuckDB's parallel reader parses straight into ``pr_stage.rows``, a table of a scratch database in
the load's private temporary directory: never the warehouse file, since it holds the ids as
delivered. Values that do not parse (a salary "twelve thousand", a month "2019-13") are kept with
the reason — for CSV the reader's own ``store_rejects``, for Parquet text columns ``TRY_CAST``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from pilotwatch.payroll import ledger
from pilotwatch.payroll.background import Background
from pilotwatch.payroll.layout import layout, parse
from pilotwatch.payroll.model import (
    COLUMN_TYPES,
    CSV_REJECTS,
    DEFAULTS,
    KIND,
    SOURCE_ID,
    STAGE,
    Layout,
    Load,
    Staged,
    Stopped,
    lit,
    query,
)
from pilotwatch.sources.fetch import Fetched, SourceError, fetch_to_path
from warehouse import frame, one


@dataclass(frozen=True)
class _Got:
    path: Path | None
    fetched: Fetched | None  # None while the sha256 is still being computed (``hashing``)
    hashing: Background[Fetched] | None = None


def stage(con: duckdb.DuckDBPyConnection, load: Load) -> Staged:
    """Fetch and parse the file; ``Stopped`` when it is unchanged or cannot be read."""
    got = _fetch(con, load)
    assert got.path is not None
    con.execute(f"ATTACH {lit(str(load.workdir / 'stage.duckdb'))} AS {STAGE}")
    problem, staged = None, None
    try:
        lay = layout(con, load.request.fmt, got.path, load.uri)
        staged = _parse_into_stage(con, lay)
    except SourceError as exc:
        problem = str(exc)
    except (duckdb.Error, OSError) as exc:
        problem = f"source {SOURCE_ID} ({load.uri}): cannot read the {load.request.fmt.upper()} file: {exc}"
    fetched = got.fetched
    if got.hashing is not None:
        try:
            fetched = got.hashing.join()  # a missing or empty file says so here, before the reader's message
        except SourceError as exc:
            raise Stopped("failed", str(exc)) from None
        _stop_if_unchanged(con, load, fetched)  # the same bytes were loaded from another path
    assert fetched is not None
    if problem or staged is None:
        raise Stopped("failed", problem or "nothing staged", fetched.sha256)
    lay, rows, badline_ks, csv_rejects = staged
    return Staged(lay, fetched, rows, badline_ks, csv_rejects)


def _fetch(con: duckdb.DuckDBPyConnection, load: Load) -> _Got:
    """A local file is read where it is; a URL is streamed to the private directory.

    A file loaded from this path for the first time (or forced) has nothing to be compared with
    before reading it: its sha256 is computed while DuckDB stages it.
    """
    source, catalogue = load.source, load.catalogue
    if source.kind == "file" and (load.request.force or not ledger.loaded_before(con, load.uri)):
        hashing = Background(lambda: fetch_to_path(source, catalogue, load.workdir)[0], "sha256")
        return _Got(Path(catalogue.location(source)), None, hashing)
    prev = None
    if source.kind == "http" and not load.request.force:
        row = one(con, "SELECT etag, last_modified, sha256 FROM meta.source_state WHERE source_uri = ?", [load.uri])
        prev = dict(zip(("etag", "last_modified", "sha256"), row, strict=True)) if row else None
    try:
        fetched, path = fetch_to_path(source, catalogue, load.workdir, prev)
    except SourceError as exc:
        raise Stopped("failed", str(exc)) from None
    _stop_if_unchanged(con, load, fetched)
    return _Got(path, fetched)


def _stop_if_unchanged(con: duckdb.DuckDBPyConnection, load: Load, fetched: Fetched) -> None:
    """``Stopped('unchanged')`` when the source is what the last successful load read."""
    if load.request.force:
        return
    if fetched.not_modified or ledger.last_sha(con, load) == fetched.sha256:
        raise Stopped("unchanged", "source unchanged since the last load", fetched.sha256)


def _parse_into_stage(con: duckdb.DuckDBPyConnection,
                      lay: Layout) -> tuple[Layout, int, tuple[int, ...], pl.DataFrame]:
    """``pr_stage.rows`` from the file; (layout, rows staged, bad-line offsets, CSV rejects)."""
    parsed, columns, errors = [], [], []
    for col in COLUMN_TYPES:
        if col in lay.source_names:
            value, error = parse(col, f'"{lay.source_names[col]}"', lay.source_types[col])
        else:
            value, error = ("NULL", None)
        if col in DEFAULTS:
            value = f"coalesce({value}, {DEFAULTS[col]})"
        parsed.append(f"{value} AS {col}")
        columns.append(col)
        if error:
            parsed.append(f"{error} AS _err_{col}")
            errors.append(col)
    parsed.append(f'CAST("{lay.source_names["month"]}" AS VARCHAR) AS _month_src')
    month_text = "CASE WHEN _err_month IS NOT NULL THEN _month_src END" if "month" in errors else "NULL::VARCHAR"
    err_list = (
        "CASE WHEN " + " OR ".join(f"_err_{c} IS NOT NULL" for c in errors) + " THEN list_filter(["
        + ", ".join(f"{{'c': '{c}', 'r': _err_{c}}}" for c in errors) + "], lambda x: x.r IS NOT NULL) END"
        if errors else "NULL"
    )
    if lay.fmt == "csv":
        reader = (f"read_csv({lit(str(lay.path))}, {lay.read_options}, "
                  "rejects_table='_pr_csv_rejects', rejects_scan='_pr_csv_scans')")
    else:
        reader = f"read_parquet({lit(str(lay.path))})"
    # The stage is read a few times and then deleted: not compressing it saves a quarter of the CPU
    # the whole load costs (the warehouse's own table is compressed as usual).
    old = one(con, "SELECT current_setting('force_compression')")[0]  # type: ignore[index]
    con.execute("SET force_compression = 'uncompressed'")
    try:
        con.execute(query("stage_rows", stage=STAGE, parsed=", ".join(parsed), reader=reader,
                          columns=", ".join(columns), month_text=month_text, errors=err_list))
    finally:
        con.execute(f"SET force_compression = {lit(str(old))}")
    rows = int(one(con, f"SELECT count(*) FROM {STAGE}.rows")[0])  # type: ignore[index]
    if lay.fmt != "csv":
        return lay, rows, (), pl.DataFrame(schema=CSV_REJECTS)
    return (lay, rows, *_csv_rejects(con, lay))


def _csv_rejects(con: duckdb.DuckDBPyConnection, lay: Layout) -> tuple[tuple[int, ...], pl.DataFrame]:
    """Lines the CSV reader refused (unreadable values, wrong field counts), with reasons."""
    rej = frame(con, "SELECT line, column_idx, column_name, error_type, csv_line, error_message "
                     "FROM _pr_csv_rejects ORDER BY line, column_idx")
    if rej.is_empty():
        return (), pl.DataFrame(schema=CSV_REJECTS)
    lines = sorted(set(rej["line"].to_list()))
    # the j-th refused line (1-based) has line - j - 1 good rows before it
    badline_ks = tuple(line - j - 1 for j, line in enumerate(lines, start=1))
    canon = lay.canonical
    out = []
    for line, _idx, col, etype, text, msg in rej.iter_rows():
        if etype == "CAST" and col in COLUMN_TYPES:  # the reader names columns as we declared them
            fields = next(csv.reader([text or ""], delimiter=lay.delimiter), [])
            i = canon.index(col)
            value = fields[i] if i < len(fields) else ""
            reason = f"{col} '{value}' is not {KIND.get(COLUMN_TYPES[col], 'readable')}"
        else:
            reason = f"unreadable CSV line ({etype.lower()}): {msg}"
            col = None
        out.append((int(line), col, reason, text))
    return badline_ks, pl.DataFrame(out, schema=CSV_REJECTS, orient="row")

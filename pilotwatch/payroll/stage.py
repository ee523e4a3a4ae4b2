"""Step 1, stage: fetch the file (or find it unchanged), read its ids and body labels, then parse it
once, straight into the warehouse.

The first pass of DuckDB's parallel reader reads only ids, body labels and months and keeps the
distinct ids and (body label, year) pairs, in ``pr_stage.labels``, a scratch database in the load's private temporary directory (the
ids as delivered never reach the warehouse file). Once the ids are hashed to keys and the labels
resolved to bodies, the second pass (``parse_into_warehouse``) writes every row once, compressed,
into ``core.payroll_records_staged`` with its key, body code and file row. Values that do not parse
(a salary "twelve thousand", a month "2019-13") are kept with the reason — for CSV the reader's own
``store_rejects``, for Parquet text columns ``TRY_CAST``.
"""

from __future__ import annotations

import contextlib
import csv
from collections.abc import Iterator
from dataclasses import dataclass, replace
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
    FEW_BAD_LINES,
    KIND,
    SOURCE_ID,
    STAGE,
    STAGED,
    Layout,
    Load,
    PayrollError,
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
        staged = _first_pass(con, lay)
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


def _expressions(lay: Layout) -> tuple[dict[str, str], list[str]]:
    """The parse expression of every canonical column (and of its error), and the columns that can fail."""
    parsed, errors = {}, []
    for col in COLUMN_TYPES:
        if col in lay.source_names:
            value, error = parse(col, f'"{lay.source_names[col]}"', lay.source_types[col])
        else:
            value, error = ("NULL", None)
        if col in DEFAULTS:
            value = f"coalesce({value}, {DEFAULTS[col]})"
        parsed[col] = value
        if error:
            parsed[f"_err_{col}"] = error
            errors.append(col)
    parsed["_month_src"] = f'CAST("{lay.source_names["month"]}" AS VARCHAR)'
    return parsed, errors


def _reader(lay: Layout, rejects: str) -> str:
    if lay.fmt == "csv":
        return (f"read_csv({lit(str(lay.path))}, {lay.read_options}, "
                f"rejects_table='{rejects}', rejects_scan='{rejects}_scans')")
    return f"read_parquet({lit(str(lay.path))})"


def _first_pass(con: duckdb.DuckDBPyConnection,
                lay: Layout) -> tuple[Layout, int, tuple[int, ...], pl.DataFrame]:
    """``pr_stage.labels`` from a first pass over the file; (layout, readable rows, bad-line offsets, CSV rejects).

    Only the ids, body labels and months are read (the reader converts no other column), so this
    pass refuses only lines it cannot split into fields; a line with a value that does not convert
    (a salary "twelve thousand") is refused by the parse, which then numbers the rows after it
    again (``parse_into_warehouse``).
    """
    parsed, _ = _expressions(lay)
    con.execute(query("stage_labels", stage=STAGE, reader=_reader(lay, "_pr_csv_rejects"),
                      **{c: parsed[c] for c in ("employee_id", "body_code", "month")}))
    rows = int(one(con, f"SELECT coalesce(sum(rows), 0) FROM {STAGE}.labels WHERE is_label")[0])  # type: ignore[index]
    if lay.fmt != "csv":
        return lay, rows, (), pl.DataFrame(schema=CSV_REJECTS)
    return (lay, rows, *_csv_rejects(con, lay, "_pr_csv_rejects"))


def parse_into_warehouse(con: duckdb.DuckDBPyConnection, load: Load, staged: Staged) -> Staged:
    """The second and last pass: the file parsed straight into ``core.payroll_records_staged``.

    The rows get their employee key (``pr_stage.ids``), body code (``_pr_bodymap``) and file row as
    they are read, so the table already has the columns of ``core.payroll_records`` (the id as
    delivered never reaches the warehouse); ``write`` deletes the refused rows and makes it the
    records, instead of writing every row a second time. Returns ``staged`` with the lines this
    pass refused (``_renumber``).
    """
    _parse(con, load, staged)
    if staged.layout.fmt != "csv":
        return staged
    return _renumber(con, load, staged)


def _parse(con: duckdb.DuckDBPyConnection, load: Load, staged: Staged) -> None:
    _badlines(con, staged)
    lay = staged.layout
    parsed, errors = _expressions(lay)
    err_list = (
        "CASE WHEN " + " OR ".join(f"r._err_{c} IS NOT NULL" for c in errors) + " THEN list_filter(["
        + ", ".join(f"{{'c': '{c}', 'r': r._err_{c}, 'v': {'r._month_src' if c == 'month' else 'NULL::VARCHAR'}}}"
                    for c in errors) + "], lambda x: x.r IS NOT NULL) END"
        if errors else "NULL::STRUCT(c VARCHAR, r VARCHAR, v VARCHAR)[]"
    )
    year = load.request.year
    row, join = staged.row_sql("r")
    con.execute(f"DROP TABLE IF EXISTS {STAGED}")
    # The reader's row estimate is tiny, so the optimizer would build the joins' hash tables on the
    # file's side (out of memory at a few million rows): keep the written order, file on the probe side.
    # The text columns of records have a few distinct values each (body codes, categories, currencies,
    # statuses): dictionary compression always wins, and trying FSST on every row group costs about a
    # sixth of writing the table (storage version v1.2.0), so it is not tried for this table.
    with _settings(con, disabled_optimizers="join_order,build_side_probe_side", disabled_compression_methods="fsst"):
        con.execute(query("staged_records", table=STAGED, stage=STAGE, reader=_reader(lay, "_pr_csv_rejects2"),
                          parsed=", ".join(f"{v} AS {k}" for k, v in parsed.items()), row=row, join=join,
                          errors=err_list,
                          scope=f"WHERE r.month IS NULL OR year(r.month) = {int(year)}" if year else ""),
                    [load.load_id])


def _badlines(con: duckdb.DuckDBPyConnection, staged: Staged) -> None:
    """``_pr_badlines``, the table ``Staged.row_sql`` joins when more than a few lines were refused.

    One row per offset: adjacent refused lines share one (no good row between them), and the ASOF
    join must find the last of them.
    """
    if len(staged.badline_ks) > FEW_BAD_LINES:
        ks = pl.DataFrame({"k": list(staged.badline_ks), "n": list(range(1, len(staged.badline_ks) + 1))},
                          schema={"k": pl.Int64, "n": pl.Int64}).group_by("k").agg(pl.col("n").max())
        con.register("_pr_badlines_frame", ks)
        con.execute("CREATE OR REPLACE TEMP TABLE _pr_badlines AS SELECT * FROM _pr_badlines_frame")
        con.unregister("_pr_badlines_frame")


def _renumber(con: duckdb.DuckDBPyConnection, load: Load, first: Staged) -> Staged:
    """The parse's own refused lines; the rows after a line only it refused numbered again.

    The parse numbered its rows as if it refused the lines the first pass refused. A line the parse
    alone refused (a value that does not convert) moves every later row one line down: with a few
    such lines, one UPDATE of the rows after the first of them (a row's place among the parse's rows
    is recovered from its provisional number, then numbered with every refused line); with many,
    the file is parsed again with all of them known, which numbers the rows as they are read.
    """
    badline_ks, rejects = _csv_rejects(con, first.layout, "_pr_csv_rejects2")
    lines1, lines2 = _lines(first.csv_rejects), _lines(rejects)
    if not set(lines1) <= set(lines2):
        raise PayrollError(f"source {SOURCE_ID} ({load.uri}): the file changed while it was read "
                           f"({len(lines1)} unreadable lines, then {len(lines2)})")
    if lines2 == lines1:
        return first
    final = replace(first, rows=first.rows - (len(lines2) - len(lines1)), badline_ks=badline_ks, csv_rejects=rejects)
    if len(lines1) + len(badline_ks) > FEW_BAD_LINES:
        _parse(con, load, final)
        return final
    # provisional number n -> the row's place r among the parse's rows -> its line
    place = "(row_number - 2 - (" + " + ".join(["0", *(f"(row_number > {n})::BIGINT" for n in lines1)]) + "))"
    line = f"{place} + 2 + (" + " + ".join(f"({place} >= {k})::BIGINT" for k in badline_ks) + ")"
    first_new = min(set(lines2) - set(lines1))
    con.execute(f"UPDATE {STAGED} SET row_number = {line} WHERE row_number >= {int(first_new)}")
    return final


def _lines(rejects: pl.DataFrame) -> list[int]:
    return sorted(set(rejects["_row"].to_list()))



@contextlib.contextmanager
def _settings(con: duckdb.DuckDBPyConnection, **values: str) -> Iterator[None]:
    """DuckDB settings for one statement, restored afterwards (they hold for the whole connection)."""
    old = {name: one(con, f"SELECT current_setting({lit(name)})")[0] for name in values}  # type: ignore[index]
    try:
        for name, value in values.items():
            con.execute(f"SET {name} = {lit(value)}")
        yield
    finally:
        for name, value in old.items():
            con.execute(f"SET {name} = {lit(str(value))}")


def _csv_rejects(con: duckdb.DuckDBPyConnection, lay: Layout, table: str) -> tuple[tuple[int, ...], pl.DataFrame]:
    """Lines the CSV reader refused (unreadable values, wrong field counts), with reasons."""
    rej = frame(con, query("csv_rejects", table=table))
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

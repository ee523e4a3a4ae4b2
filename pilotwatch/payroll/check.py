"""Step 2, check: every rule a record must meet, each refusal a ``_pr_rejects`` row (rowid of
``core.payroll_records_staged``, column, reason).

In SQL: values that did not parse, a missing id or body, a body nobody knows (each distinct label
resolved once against the registry), USD without a rate. With pandera (``schemas/payroll_records.py``)
on chunks streamed from DuckDB, in a thread beside DuckDB's own work: categories, ranges, dates.
And one row per employee, body and month: one ``GROUP BY`` over a 64-bit hash of the key finds the
few candidates, which are then compared in full (an exact repeat keeps the first row, disagreeing
rows are all refused). pandera's own multi-column ``unique`` is not used: it needs the whole frame
in memory (2.6-3 GB for 12 million rows; ``benchmarks/payroll_ingest.py --design``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

import duckdb
import pandera.polars as pa
import polars as pl

from pilotwatch import registry, settings
from pilotwatch.catalogue import load_catalogue
from pilotwatch.payroll.model import (
    RATE_SERIES,
    REJECTS,
    STAGE,
    STAGED,
    SYNTHETIC_CODE,
    Bodies,
    Load,
    Scoped,
    Staged,
    lit,
    query,
)
from schemas.payroll_records import RULE_COLUMNS, RULE_SQL, PayrollRecords
from schemas.rejects import pandera_rejects
from transforms.registry import resolve_bodies
from warehouse import frame, one

log = logging.getLogger("pilotwatch.payroll")


def years(con: duckdb.DuckDBPyConnection, load: Load) -> tuple[int, ...]:
    """The years of the file (of the requested year) as the first pass saw them: the rates they need."""
    year = load.request.year
    found = [int(y) for (y,) in con.execute(query("file_years", stage=STAGE)).fetchall()]
    return tuple(y for y in found if year is None or y == year)


def scope(con: duckdb.DuckDBPyConnection, load: Load, staged: Staged) -> Scoped:
    """Rows read, and outside the requested year, once the file is parsed; an empty ``_pr_rejects``.

    Counted from the parse (``staged``: its readable rows and the lines its reader refused), not
    from the first pass, which reads only ids, labels and months and so refuses fewer lines.
    """
    skipped = 0
    if load.request.year is not None:
        skipped = staged.rows - int(one(con, f"SELECT count(*) FROM {STAGED}")[0])  # type: ignore[index]
    con.execute("CREATE OR REPLACE TEMP TABLE _pr_rejects (_rowid BIGINT, column_name VARCHAR, reason VARCHAR)")
    return Scoped(staged.rows + staged.csv_rejected, skipped, years(con, load))


def ensure_rates(con: duckdb.DuckDBPyConnection, load: Load, years: tuple[int, ...]) -> None:
    """``_pr_rates``: the exchange-rate series, loaded from the catalogue first if a year is missing."""
    series = load.request.rate_series
    have = {r[0] for r in con.execute("SELECT year FROM core.macro_series WHERE series = ?", [series]).fetchall()}
    if set(years) - have:
        load_rate_series(con, series, run_id=load.request.run_id)
    con.execute(query("rates"), [series])


def load_rate_series(con: duckdb.DuckDBPyConnection, series: str = RATE_SERIES, *, run_id: str | None = None) -> int:
    """Load the catalogue's macro source(s) that provide ``series`` (the exchange-rate series is
    configured there: swap the file or URL). Returns how many sources were loaded."""
    from pilotwatch.ingest import LoadFailed, load_source

    cat = load_catalogue(settings.catalogue_path())
    sources = [s for s in cat.sources if s.dataset == "macro" and series in s.columns.indicators.values()]
    n = 0
    for s in sources:
        try:
            load_source(con, cat, s, list(s.years), run_id=run_id)
            n += 1
        except LoadFailed as exc:
            log.warning("exchange-rate series %s: %s", series, exc)
    if not sources:
        log.warning("no catalogue source provides the macro series %s; USD figures cannot be derived", series)
    return n


def check_sql(con: duckdb.DuckDBPyConnection, load: Load) -> None:
    """Parse errors, missing ids, months and bodies, bodies nobody knows, USD without a rate."""
    con.execute(query("check_sql", table=STAGED), [load.request.rate_series])


def resolve(con: duckdb.DuckDBPyConnection, load: Load) -> Bodies:
    """``_pr_bodymap``: each (body label, year) of the requested year(s) to a body code, or a reason it is refused.

    Each pair also gets a small ``label_id`` (what a staged row stores instead of the label, which only
    a refused row needs back) and the registry's pilot flag for that body and year (what a blank pilot
    cell becomes), so the parse joins this one small table instead of the labels and the bodies.
    """
    year = load.request.year
    labels = frame(con, f"SELECT body_label, year FROM {STAGE}.labels WHERE is_label AND body_label IS NOT NULL"
                        + (f" AND (year IS NULL OR year = {int(year)})" if year else ""))
    reg = registry.registry_frames(con)
    kinds = dict(zip(reg["bodies"]["body_code"], reg["bodies"]["kind"], strict=True))
    # the year from which the registry has a body in pilot mode (a record's pilot flag where its cell is blank)
    pilot_from = {c: y for c, p, y in reg["bodies"].select("body_code", "pilot", "pilot_start_year").iter_rows()
                  if p and y is not None}
    labels = labels.with_columns(name=pl.col("body_label").str.strip_chars())
    resolved = resolve_bodies(labels, reg["aliases"], label_col="name") if labels.height else labels.with_columns(
        body_code=pl.lit(None, dtype=pl.String))
    out = []
    for label, name, year, alias_code in resolved.select("body_label", "name", "year", "body_code").iter_rows():
        code = name if (kinds.get(name) or SYNTHETIC_CODE.match(name)) else alias_code
        reason = None
        if not name:
            code, reason = None, "body_code is missing"
        elif code is None:
            reason = f"unknown body '{name}' (not in the body registry)"
        elif kinds.get(code) == "peer_group":
            code, reason = None, f"'{label}' is a peer group, not a body"
        registry_pilot = year is not None and code in pilot_from and year >= pilot_from[code]
        out.append((len(out), label, year, code, reason, registry_pilot))
    bodymap = pl.DataFrame(out, schema={"label_id": pl.Int32, "body_label": pl.String, "year": pl.Int64,
                                        "body_code": pl.String, "reason": pl.String, "registry_pilot": pl.Boolean},
                           orient="row")
    con.register("_pr_bodymap_frame", bodymap)
    con.execute("CREATE OR REPLACE TEMP TABLE _pr_bodymap AS SELECT * FROM _pr_bodymap_frame")
    con.unregister("_pr_bodymap_frame")
    synthetic = sorted({c for c in bodymap["body_code"].drop_nulls() if SYNTHETIC_CODE.match(c) and c not in kinds})
    named = bodymap.filter(pl.col("body_code").is_not_null())
    one_name_each = named.height == named.select("body_code", "year").n_unique() if named.height else True
    return Bodies(tuple(synthetic), one_name_each)


def check_rules(con: duckdb.DuckDBPyConnection, load: Load) -> pl.DataFrame:
    """The domain rules (schemas/payroll_records.py) on chunks of ``chunk_rows`` parsed rows.

    Only the rows where SQL finds that a rule may be broken (``may_break``) reach pandera, which
    then decides and words each refusal. Runs in a thread on its own cursor; returns
    ``_rowid, column_name, reason``.
    """
    sql_text = query("pandera_candidates", table=STAGED, may_break=may_break(PayrollRecords.to_schema()))
    found = [pl.DataFrame(schema=REJECTS)]
    cur = con.cursor()
    try:
        for batch in cur.sql(sql_text).to_arrow_reader(load.request.chunk_rows):
            chunk = pl.from_arrow(batch)
            assert isinstance(chunk, pl.DataFrame)
            try:
                PayrollRecords.validate(chunk, lazy=True)
            except pa.errors.SchemaErrors as exc:
                found.append(pandera_reasons(exc, chunk))
    finally:
        cur.close()
    return pl.concat(found)


def _sql_value(value: object) -> str:
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, str):
        return lit(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"no SQL literal for {value!r}")
    return repr(value)


#: A pandera column check as the SQL condition that holds where the check fails.
_CHECK_SQL: dict[str, Callable[[str, dict[str, Any]], str]] = {
    "isin": lambda c, s: f"{c} NOT IN ({', '.join(_sql_value(v) for v in s['allowed_values'])})",
    "greater_than_or_equal_to": lambda c, s: f"{c} < {_sql_value(s['min_value'])}",
    "less_than_or_equal_to": lambda c, s: f"{c} > {_sql_value(s['max_value'])}",
    "greater_than": lambda c, s: f"{c} <= {_sql_value(s['min_value'])}",
    "less_than": lambda c, s: f"{c} >= {_sql_value(s['max_value'])}",
}


def may_break(schema: pa.DataFrameSchema) -> str:
    """SQL that holds for every row on which a check of ``schema`` may fail ('true' when a check has no
    SQL form: then pandera reads every row). pandera still decides and words each failure; this only
    spares it — and the transfer to Python — the rows that obviously pass (nearly all of them)."""
    parts = []
    for name, column in schema.columns.items():
        if not column.nullable:
            parts.append(f"{name} IS NULL")
        for c in column.checks:
            make = _CHECK_SQL.get(c.name)
            if make is None:
                return "true"
            parts.append(make(name, c.statistics))
    for c in schema.checks:
        if c.name not in RULE_SQL:
            return "true"
        parts.append(RULE_SQL[c.name])
    return " OR ".join(f"({p})" for p in parts) or "false"


def pandera_reasons(exc: pa.errors.SchemaErrors, chunk: pl.DataFrame) -> pl.DataFrame:
    """pandera failures of one chunk -> ``_rowid, column_name, reason`` (through ``schemas.rejects``).

    A rule about several columns is refused under the column it is about (``RULE_COLUMNS``) and
    shows the dates it compared, so an operator sees which date is wrong.
    """
    found = pandera_rejects(exc, chunk, row="row_number", rule_headers=RULE_COLUMNS, explain=_explain_rule,
                            name_check=False)
    return found.rename({"_row": "_rowid"})


def _explain_rule(check: str, row: dict[str, object]) -> str | None:
    if check not in RULE_COLUMNS:
        return None
    shown = ", ".join(f"{c} {row[c]}" for c in ("month", "hire_date", "leave_date") if row.get(c) is not None)
    return f"breaks the rule '{check}' ({shown})"


def add_rejects(con: duckdb.DuckDBPyConnection, rejects: pl.DataFrame) -> None:
    if rejects.height:
        con.register("_pr_found", rejects)
        con.execute("INSERT INTO _pr_rejects SELECT _rowid, column_name, reason FROM _pr_found")
        con.unregister("_pr_found")


def dup_candidates(con: duckdb.DuckDBPyConnection) -> None:
    """``_pr_dupkeys``: hashes of (employee, body, month) that occur more than once in the file."""
    con.execute(query("dup_keys", table=STAGED))


def check_unique(con: duckdb.DuckDBPyConnection) -> None:
    """One row per employee, body and month among the rows still accepted (candidates: ``dup_candidates``)."""
    dup = frame(con, query("dup_rows", table=STAGED))
    con.execute("DROP TABLE _pr_dupkeys")
    if dup.is_empty():
        return
    key = ["employee_key", "body_code", "month"]
    payload = [c for c in dup.columns if c not in ("_rowid", "row_number", *key)]
    dup = dup.with_columns(
        _n=pl.len().over(key),
        _variants=pl.struct(payload).n_unique().over(key),
        _first=pl.col("row_number").min().over(key),
    ).filter(pl.col("_n") > 1)
    rows = []
    for rowid, row, first, variants, members in dup.with_columns(
        _members=pl.col("row_number").sort().implode().over(key)
    ).select("_rowid", "row_number", "_first", "_variants", "_members").iter_rows():
        if variants == 1:
            if row != first:
                rows.append((rowid, "employee_id", f"duplicate of row {first} "
                                                   "(same employee, body, month and values)"))
        else:
            listed = ", ".join(str(m) for m in members)
            rows.append((rowid, "employee_id", f"rows {listed} give different values for the same employee, "
                                               "body and month (all refused)"))
    add_rejects(con, pl.DataFrame(rows, schema=REJECTS, orient="row"))

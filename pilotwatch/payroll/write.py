"""Step 4, write: in one transaction, the quarantine, the body-years of the file replaced by its
accepted rows, new employee hashes, new synthetic bodies, and the load's ledger row.

The accepted rows are written once: the file was parsed straight into
``core.payroll_records_staged``; its refused rows are deleted and it becomes
``core.payroll_records``, the other stored body-years copied into it — or, when more rows are kept
than loaded (one year added to ten), it is inserted into the records after their replaced
body-years are deleted. No composite primary key (it made the bulk insert 9-15 times slower).

More than ``max_reject_share`` of the rows refused: nothing but the quarantine and a ``failed``
ledger row is written.
"""

from __future__ import annotations

import csv
import json
from dataclasses import replace

import duckdb
import polars as pl

from pilotwatch.payroll import ledger
from pilotwatch.payroll.ids import hash_id, salt_fingerprint
from pilotwatch.payroll.model import (
    COLUMN_TYPES,
    DATASET,
    SOURCE_ID,
    STAGE,
    STAGED,
    STAGED_EXTRAS,
    SYNTHETIC_CODE,
    Bodies,
    Counts,
    Load,
    Pseudonymised,
    RecordsResult,
    Scoped,
    Staged,
    now,
    query,
)
from warehouse import frame, one, sql, transaction


def counts(con: duckdb.DuckDBPyConnection, staged: Staged, scoped: Scoped) -> Counts:
    refused = int(one(con, "SELECT count(DISTINCT _rowid) FROM _pr_rejects")[0])  # type: ignore[index]
    in_scope = scoped.rows_read - scoped.rows_skipped - staged.csv_rejected
    return Counts(scoped.rows_read, in_scope - refused, refused + staged.csv_rejected, scoped.rows_skipped)


def refusal(load: Load, n: Counts) -> str:
    """Why the whole load is refused ('' when it is not): no records, or too many refused."""
    total = n.accepted + n.rejected
    share = n.rejected / total if total else 0.0
    limit = load.request.max_reject_share
    if total == 0:
        return f"source {SOURCE_ID} ({load.uri}): no records" + (f" for {load.request.year}" if load.request.year else "")
    if share > limit:
        return (f"source {SOURCE_ID} ({load.uri}): {n.rejected} of {total} records rejected "
                f"({share:.0%} > max_reject_share {limit:.0%}); nothing loaded")
    return ""


def write(con: duckdb.DuckDBPyConnection, load: Load, staged: Staged, scoped: Scoped, bodies: Bodies,
          ids: Pseudonymised) -> RecordsResult:
    """Quarantine, replace the file's body-years, record the load: one transaction."""
    n = counts(con, staged, scoped)
    failed = refusal(load, n)
    con.execute(query("load_scope", table=STAGED))
    body_years = frame(con, "SELECT body_code, year FROM _pr_scope ORDER BY 1, 2")
    result = RecordsResult(load.load_id, "failed", load.uri, rows_read=n.read, rows_accepted=n.accepted,
                           rows_rejected=n.rejected, rows_skipped=n.skipped,
                           years=sorted(set(body_years["year"].to_list())), body_years=body_years.height)
    sha = staged.fetched.sha256
    con.register("_pr_csv_quarantine", _csv_quarantine(staged, ids.salt, load.request.quarantine_limit))
    try:
        with transaction(con):
            _quarantine(con, load, staged, n)
            if failed:
                first = first_problems(con, load.load_id, n.rejected)
                message = failed + (f". First problems: {first}" if first else "")
                result = ledger.record(con, load, _with(result, status="failed", message=message, rows_accepted=0), sha)
                return result
            _register_synthetic(con, bodies)
            if ids.new_salt:
                con.execute("INSERT INTO meta.payroll_id_salt VALUES (?, ?, ?)",
                            [salt_fingerprint(ids.salt), load.load_id, now()])
            _replace_records(con, load)
            if load.source.kind == "http":
                f = staged.fetched
                con.execute(sql("upsert_source_state"), [load.uri, f.etag, f.last_modified, sha, now()])
            notes = [f"{result.body_years} body-years of {', '.join(map(str, result.years))} replaced"]
            if n.skipped:
                notes.append(f"{n.skipped} records outside {load.request.year} skipped")
            if bodies.synthetic:
                notes.append(f"{len(bodies.synthetic)} synthetic bodies registered")
            if n.rejected:
                notes.append(f"{n.rejected} rejected: {first_problems(con, load.load_id, n.rejected)}")
            result = ledger.record(con, load, _with(result, status="loaded", message="; ".join(notes)), sha)
    finally:
        con.unregister("_pr_csv_quarantine")
    return result


def _with(result: RecordsResult, **changes: object) -> RecordsResult:
    return replace(result, **changes)  # type: ignore[arg-type]


def _replace_records(con: duckdb.DuckDBPyConnection, load: Load) -> None:
    """New employee hashes; the refused rows deleted from the staged table, which then replaces the
    file's body-years — by becoming ``core.payroll_records`` (with the other stored body-years copied
    into it) when that copies fewer rows than inserting it would, else by delete and insert."""
    con.execute(query("new_employees", stage=STAGE), [load.load_id])
    con.execute(f"DELETE FROM {STAGED} WHERE rowid IN (SELECT _rowid FROM _pr_rejects)")
    for extra in STAGED_EXTRAS:
        con.execute(f"ALTER TABLE {STAGED} DROP COLUMN {extra}")
    kept = int(one(con, query("kept_count"))[0])  # type: ignore[index]
    accepted = int(one(con, f"SELECT count(*) FROM {STAGED}")[0])  # type: ignore[index]
    if kept > accepted:
        con.execute(query("delete_replaced"))
        con.execute(f"INSERT INTO core.payroll_records SELECT * FROM {STAGED}")
        con.execute(f"DROP TABLE {STAGED}")
        return
    for (column,) in con.execute(query("required_columns")).fetchall():
        con.execute(f"ALTER TABLE {STAGED} ALTER COLUMN {column} SET NOT NULL")
    con.execute(query("keep_records", table=STAGED))
    con.execute("DROP TABLE core.payroll_records")
    con.execute(f"ALTER TABLE {STAGED} RENAME TO payroll_records")


def _quarantine(con: duckdb.DuckDBPyConnection, load: Load, staged: Staged, n: Counts) -> None:
    """Refused rows (one quarantine row each, at most ``quarantine_limit``) and a count of the rest."""
    limit = load.request.quarantine_limit
    con.execute(query("quarantine", table=STAGED, limit=str(int(limit)), stage=STAGE))
    stamp = now()
    con.execute(query("insert_quarantine"), [load.load_id, DATASET, SOURCE_ID, load.uri, stamp])
    listed = int(one(con, "SELECT count(*) FROM _pr_quarantine")[0])  # type: ignore[index]
    rest = n.rejected - listed
    if rest > 0:
        by = frame(con, "SELECT column_name, count(DISTINCT _rowid) AS n FROM _pr_rejects GROUP BY 1 ORDER BY 2 DESC")
        by_column = ", ".join(f"{c}: {k}" for c, k in by.iter_rows())
        reason = (f"{rest} more rejected records not listed (QUARANTINE_LIMIT {limit}); "
                  f"rejected records by column: {by_column}")
        con.execute(query("insert_quarantine_rest"), [load.load_id, DATASET, SOURCE_ID, load.uri, reason, stamp])
    con.execute("DROP TABLE _pr_quarantine")


def _csv_quarantine(staged: Staged, salt: bytes, limit: int) -> pl.DataFrame:
    """CSV lines the reader refused, as quarantine rows with a raw row whose id is hashed."""
    if staged.csv_rejects.is_empty():
        return pl.DataFrame(schema={"row_number": pl.Int64, "column_name": pl.String, "reason": pl.String,
                                    "raw_row": pl.String})
    canon = staged.layout.canonical
    grouped = staged.csv_rejects.group_by("_row").agg(
        pl.col("column_name").drop_nulls().unique().sort().str.join(", "),
        pl.col("reason").unique().sort().str.join("; "),
        pl.col("csv_line").first(),
    ).sort("_row").head(limit)
    raws = []
    for text in grouped["csv_line"].to_list():
        fields = next(csv.reader([text or ""], delimiter=staged.layout.delimiter), [])
        rec = {c: (v if v != "" else None) for c, v in zip(canon, fields, strict=False) if c in COLUMN_TYPES}
        if rec.get("employee_id"):
            rec["employee_id"] = hash_id(rec["employee_id"].strip(), salt)
        raws.append(json.dumps(rec, ensure_ascii=False))
    return grouped.select(
        pl.col("_row").alias("row_number"),
        pl.when(pl.col("column_name") == "").then(None).otherwise(pl.col("column_name")).alias("column_name"),
        "reason",
        pl.Series("raw_row", raws, dtype=pl.String),
    )


def first_problems(con: duckdb.DuckDBPyConnection, load_id: int, rejected: int, limit: int = 5) -> str:
    rows = con.execute(query("first_problems"), [load_id, limit]).fetchall()
    more = rejected - len(rows)
    text = "; ".join(f"row {n}, column '{c}': {why}" for n, c, why in rows)
    return text + (f" (+{more} more, see mart.quarantine)" if more > 0 else "")


def _register_synthetic(con: duckdb.DuckDBPyConnection, bodies: Bodies) -> None:
    """Synthetic body codes seen for the first time become bodies with ``synthetic = true``."""
    if not bodies.synthetic:
        return
    groups = {r[0] for r in con.execute("SELECT body_code FROM core.bodies WHERE kind = 'peer_group'").fetchall()}
    rows = []
    for code in bodies.synthetic:
        m = SYNTHETIC_CODE.match(code)
        assert m
        level = "central" if m.group(1) == "c" else "local"
        group = f"{level}_avg" if f"{level}_avg" in groups else None
        rows.append((code, f"Synthetic {level} body {int(m.group(2)):03d}", "body", level, group))
    con.executemany(query("register_synthetic"), rows)

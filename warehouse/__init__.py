"""The warehouse owns every DuckDB connection.

Publishing design (why): DuckDB lets one process write a file *or* many read it, never both. So
analysts always read the *published* file, and writers never touch it in place:

1. a writer takes an exclusive ``flock`` on ``<db>.lock`` (waiting up to ``PILOTWATCH_LOCK_TIMEOUT``
   seconds for another writer, then failing with a message naming the holder);
2. it removes stale working copies left by a crashed writer (logged), copies the published file to
   ``<db>.work-<pid>`` and migrates/writes there;
3. on success it checkpoints, closes, fsyncs and ``os.replace``\\ s the copy over the published file,
   then fsyncs the directory. A reader's open connection keeps the old inode (the complete previous
   version); the next connection sees the new one. On any error or a kill, the published file is
   untouched and the working copy is discarded by the next writer.

Nested writers in one process (the analysis flow running inside the annual refresh) join the
outermost session, so a refresh publishes once, with loads and analysis together.

Generations (why): a damaged published file (a truncated copy, a bad disk block) must never be the
only copy, nor the start of the next write. Publishing therefore hard-links the outgoing version to
``<db>.gen-<timestamp>`` (no copy: the rename frees nothing, so the link only keeps the old inode
alive) and keeps ``PILOTWATCH_GENERATIONS`` of them; ``<db>.versions.json`` records the size and
sha256 of every version it published. A reader whose file has an unknown size, and a writer whose
copy has an unknown hash, stop with a message naming ``pilotwatch warehouse restore``.

Storage format (why): published files are written in DuckDB storage version ``STORAGE_VERSION``
so that the DuckDB 1.x CLI, drivers and BI connectors open them, not only the DuckDB 2.0 that
writes them. A warehouse written in a newer format is converted once by the next writer.

Sandbox (why): ``connect(read_only=True)`` runs analysts' SQL. It opens a private in-memory DuckDB,
attaches the published file read-only, then turns external access off and locks the configuration:
no file, URL, environment, extension or setting is reachable from SQL. A fresh instance per call
also means every call sees the newest published version (DuckDB otherwise shares one instance per
path in a process, so a second ``duckdb.connect(path)`` would show the version the first opened).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from pilotwatch import settings

if TYPE_CHECKING:  # polars costs 0.3 s to import; `pilotwatch query` never needs it
    import polars as pl

log = logging.getLogger("pilotwatch.warehouse")

HERE = Path(__file__).resolve().parent
MIGRATIONS_DIR = HERE / "migrations"
SQL_DIR = HERE / "sql"


class WarehouseBusy(RuntimeError):
    """Another writer holds the warehouse lock for longer than we were willing to wait."""


class WarehouseMissing(FileNotFoundError):
    """No published warehouse yet: run a refresh first."""


class WarehouseDamaged(RuntimeError):
    """The published file is not a version pilotwatch published, or DuckDB cannot read it."""

    reason: str = ""


#: The oldest DuckDB that opens the published file (1.2, February 2025): see README, "client versions".
STORAGE_VERSION = "v1.2.0"

#: What analysts' SQL may not do on a :func:`connect` connection (set after attaching, then locked).
SANDBOX_SETTINGS = ("SET enable_external_access = false", "SET lock_configuration = true")
_INSTANCE_CONFIG = {"autoload_known_extensions": False, "autoinstall_known_extensions": False}


def sql(name: str) -> str:
    """The text of ``warehouse/sql/<name>.sql`` (SQL lives in .sql files, not in Python)."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def one(con: duckdb.DuckDBPyConnection, query: str, params: list[object] | None = None) -> tuple | None:
    """The first row of a query, with the result fully consumed.

    DuckDB 2.0 refuses ``register``/``unregister`` while a result is unfinished, and ``fetchone``
    leaves it unfinished; every single-row read goes through here.
    """
    rows = con.execute(query, params or []).fetchall()
    return rows[0] if rows else None


def has_relation(con: duckdb.DuckDBPyConnection, relation: str) -> bool:
    """Whether ``schema.name`` (a table or view) exists: for code that degrades when a view is missing."""
    schema, _, name = relation.partition(".")
    row = one(con, "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
              [schema, name])
    return bool(row and row[0])


def relations(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Every ``schema.name`` (table or view) in ``con``'s catalog: one query where a caller would
    otherwise ask :func:`has_relation` several times (each is a catalog scan of a few milliseconds)."""
    return {r[0] for r in con.execute("SELECT table_schema || '.' || table_name FROM information_schema.tables").fetchall()}


def frame(con: duckdb.DuckDBPyConnection, query: str, params: list[object] | None = None) -> pl.DataFrame:
    """A query's result as a polars frame (DuckDB 2.0 connections have no ``.pl()``; relations do)."""
    rel = con.sql(query, params=params) if params else con.sql(query)
    return rel.pl()


def utc_now() -> datetime:
    """Now, as the warehouse stores time: UTC without a zone (DuckDB ``TIMESTAMP``, not ``TIMESTAMPTZ``)."""
    return datetime.now(UTC).replace(tzinfo=None)


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """One all-or-nothing unit of work: ``BEGIN``, ``COMMIT`` when the block ends, ``ROLLBACK`` on any error.

    The one place a transaction is spelt out, so no writer can forget the rollback that keeps a
    failed load or run from leaving half its rows behind.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def connect(
    read_only: bool = True, path: str | os.PathLike[str] | None = None, *, sandbox: bool | None = None
) -> duckdb.DuckDBPyConnection:
    """A connection to the *published* warehouse.

    Analysts and every read-only command use this; ``read_only=True`` is sandboxed by default (see
    the module docstring: no files, URLs, extensions or settings reachable from SQL) and always
    shows the newest published version. ``sandbox=False`` is for trusted code that writes files
    itself (the checks' Data Docs). ``read_only=False`` is only for tools that must bypass
    publishing (tests, one-off repairs); flows use :func:`writer`.
    """
    p = Path(path) if path else settings.db_path()
    if read_only and not p.exists():
        raise WarehouseMissing(f"no warehouse at {p}: run `pilotwatch refresh` (or `make run`) first")
    if read_only:
        check_size(p)
    if not (read_only if sandbox is None else sandbox):
        try:
            con = duckdb.connect(str(p), read_only=read_only)
        except (duckdb.IOException, duckdb.SerializationException, duckdb.InternalException) as exc:
            raise _damaged(p, exc) from None
        try:
            check_blocks(con, p)
        except WarehouseDamaged:
            con.close()
            raise
        return con
    return attach_fresh(p, sandbox=True)


def attach_fresh(p: Path, *, sandbox: bool) -> duckdb.DuckDBPyConnection:
    """``p`` attached read-only to a new in-memory DuckDB and made the default catalog.

    A new instance per call is what makes a reconnect see a newer publish: DuckDB caches one
    instance per path and process, which keeps showing the version it opened first.
    """
    con = duckdb.connect(":memory:", config=dict(_INSTANCE_CONFIG) if sandbox else {})
    alias = '"' + p.name.split(".")[0].replace('"', '""') + '"'
    try:
        con.execute(f"ATTACH '{str(p).replace(chr(39), chr(39) * 2)}' AS {alias} (READ_ONLY)")
        con.execute(f"USE {alias}")
        check_blocks(con, p)
    except duckdb.Error as exc:
        con.close()
        raise _damaged(p, exc) from None
    except WarehouseDamaged:
        con.close()
        raise
    if sandbox:
        for statement in SANDBOX_SETTINGS:
            con.execute(statement)
    return con


#: DuckDB files start with three 4 KiB headers, then ``total_blocks`` blocks.
_HEADERS = 3 * 4096


def check_blocks(con: duckdb.DuckDBPyConnection, p: Path) -> None:
    """A file shorter than the blocks it uses is truncated (DuckDB itself only notices when a query
    reaches a missing block). Works without version records: for any file.

    ``used_blocks``, not ``total_blocks``: a checkpoint may cut free blocks off the end of the file
    while the header still counts them, so a healthy file can be shorter than ``total_blocks`` (seen:
    two free 256 KiB blocks after a refresh that changed nothing). Used blocks are never cut off."""
    row = one(con, "SELECT block_size * used_blocks FROM pragma_database_size() WHERE database_name = current_database()")
    needed = int(row[0]) + _HEADERS if row and row[0] is not None else 0
    if p.stat().st_size < needed:
        raise _damaged(p, f"it has {p.stat().st_size} bytes, the blocks it uses need {needed} (truncated)")


def _damaged(p: Path, why: object) -> WarehouseDamaged:
    reason = str(why).splitlines()[0]
    exc = WarehouseDamaged(
        f"the published warehouse {p} is damaged or unreadable ({reason}). "
        "Run `pilotwatch warehouse restore` to go back to the newest good previous version "
        "(`pilotwatch warehouse list` shows them)."
    )
    exc.reason = reason
    return exc


# ---------------------------------------------------------------- migrations


def migration_files() -> list[Path]:
    return sorted(MIGRATIONS_DIR.glob("[0-9][0-9][0-9]_*.sql"))


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply pending numbered migrations in order, each in its own transaction; return their names."""
    con.execute("CREATE SCHEMA IF NOT EXISTS meta")
    con.execute(sql("migrations_table"))
    done = {r[0] for r in con.execute("SELECT version FROM meta.schema_migrations").fetchall()}
    applied: list[str] = []
    for f in migration_files():
        version = int(f.name[:3])
        if version in done:
            continue
        with transaction(con):
            comments = _view_comments(con)
            con.execute(f.read_text(encoding="utf-8"))
            _restore_view_comments(con, comments)
            con.execute(
                "INSERT INTO meta.schema_migrations VALUES (?, ?, ?)", [version, f.name, utc_now()]
            )
        applied.append(f.name)
    if applied:
        log.info("applied migrations: %s", ", ".join(applied))
    return applied


def _view_comments(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str, str | None], str | None]:
    """Every view and view column with its comment (``None`` when unset)."""
    return {(s, v, c): text for s, v, c, text in con.execute(sql("view_comments")).fetchall()}


def _restore_view_comments(con: duckdb.DuckDBPyConnection, before: dict[tuple[str, str, str | None], str | None]) -> None:
    """Give back the comments a migration's ``CREATE OR REPLACE VIEW`` dropped.

    DuckDB forgets a view's comments (and its columns') when the view is redefined, so without this
    every migration that adds a column to a ``mart`` view had to restate dozens of unchanged comments.
    A comment comes back only where the view (or column) still exists and the migration left it unset;
    a migration that writes a comment, or drops the column, wins.
    """
    for (schema, view, column), text in _view_comments(con).items():
        old = before.get((schema, view, column))
        if text is not None or not old:
            continue
        target = f'"{schema}"."{view}"' + (f'."{column}"' if column is not None else "")
        kind = "COLUMN" if column is not None else "VIEW"
        con.execute(f"COMMENT ON {kind} {target} IS " + "'" + old.replace("'", "''") + "'")


def replace_rows(
    con: duckdb.DuckDBPyConnection, table: str, frame: object, key: list[str], scope: list[str] | None = None
) -> int:
    """The one replace helper: delete rows matching the frame's ``scope`` keys, then insert the frame.

    ``scope`` (default: ``key``) names the columns whose distinct value combinations in ``frame``
    are replaced wholesale — e.g. ``["dataset", "year", "body_code"]`` replaces a body-year of a
    dataset, so a corrected source that drops a row does not leave the old one behind. Caller owns
    the transaction. ``frame`` is anything DuckDB can scan (polars, pandas, arrow).
    """
    scope = scope or key
    # a polars frame names its columns and knows its height: two statements fewer than asking DuckDB
    # (polars is looked up, not imported: a frame cannot be one unless polars is loaded already)
    polars = sys.modules.get("polars")
    height: int | None = frame.height if polars is not None and isinstance(frame, polars.DataFrame) else None
    cols: list[str] | None = list(frame.columns) if height is not None else None  # type: ignore[attr-defined]
    con.register("_replace_frame", frame)
    try:
        if cols is None:
            cols = [r[0] for r in con.execute("DESCRIBE _replace_frame").fetchall()]
        on = " AND ".join(f"t.{c} IS NOT DISTINCT FROM f.{c}" for c in scope)
        con.execute(sql("replace_rows_delete").format(table=table, scope=", ".join(scope), on=on))
        collist = ", ".join(cols)
        con.execute(f"INSERT INTO {table} ({collist}) SELECT {collist} FROM _replace_frame")
        n = height if height is not None else one(con, "SELECT count(*) FROM _replace_frame")[0]  # type: ignore[index]
    finally:
        con.unregister("_replace_frame")
    return int(n)




# Publishing and generations live in their own modules; imported last (they use the helpers above).
from warehouse.generations import (  # noqa: E402
    _storage_version as _storage_version,  # the tests read the file's storage version
)
from warehouse.generations import (  # noqa: E402
    check_size,
    file_sha256,
    generation_files,
    read_versions,
    versions_path,
)

#: Names of ``warehouse.publishing`` (the writer, locks, restore), imported on first use: a read-only
#: command (``pilotwatch query``, ``status``) never writes, and the module's imports (locks, signals,
#: sockets, fault points) were a tenth of ``pilotwatch status``'s own start-up.
_PUBLISHING = frozenset({"Version", "describe_lock_holder", "ensure_published", "lock_path", "restore", "versions",
                         "writer"})


def __getattr__(name: str) -> object:
    if name in _PUBLISHING:
        from warehouse import publishing

        return getattr(publishing, name)
    raise AttributeError(f"module 'warehouse' has no attribute {name!r}")


__all__ = [
    "STORAGE_VERSION", "Version", "WarehouseBusy", "WarehouseDamaged", "WarehouseMissing", "attach_fresh",
    "check_blocks", "check_size", "connect", "describe_lock_holder", "ensure_published", "file_sha256", "frame",
    "generation_files", "has_relation", "lock_path", "migrate", "one", "read_versions", "relations", "replace_rows",
    "restore",
    "sql", "transaction", "utc_now", "versions", "versions_path", "writer",
]

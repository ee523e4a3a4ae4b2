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
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from pilotwatch import settings
from pilotwatch.faults import failpoint

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


def connect(read_only: bool = True, path: str | os.PathLike[str] | None = None) -> duckdb.DuckDBPyConnection:
    """A connection to the *published* warehouse.

    Analysts and every read-only command use this. ``read_only=False`` is only for tools that
    must bypass publishing (tests, one-off repairs); flows use :func:`writer`.
    """
    p = Path(path) if path else settings.db_path()
    if read_only and not p.exists():
        raise WarehouseMissing(f"no warehouse at {p}: run `pilotwatch refresh` (or `make run`) first")
    return duckdb.connect(str(p), read_only=read_only)


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
            con.execute(f.read_text(encoding="utf-8"))
            con.execute(
                "INSERT INTO meta.schema_migrations VALUES (?, ?, ?)", [version, f.name, utc_now()]
            )
        applied.append(f.name)
    if applied:
        log.info("applied migrations: %s", ", ".join(applied))
    return applied


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
    con.register("_replace_frame", frame)
    try:
        cols = [r[0] for r in con.execute("DESCRIBE _replace_frame").fetchall()]
        on = " AND ".join(f"t.{c} IS NOT DISTINCT FROM f.{c}" for c in scope)
        con.execute(sql("replace_rows_delete").format(table=table, scope=", ".join(scope), on=on))
        collist = ", ".join(cols)
        con.execute(f"INSERT INTO {table} ({collist}) SELECT {collist} FROM _replace_frame")
        n = one(con, "SELECT count(*) FROM _replace_frame")
    finally:
        con.unregister("_replace_frame")
    return int(n[0]) if n else 0


# ---------------------------------------------------------------- publishing


@dataclass
class _Session:
    published: Path
    work: Path
    con: duckdb.DuckDBPyConnection
    lock_fd: int
    depth: int = 1


_active: dict[tuple[int, str], _Session] = {}
_active_guard = threading.Lock()


def lock_path(published: Path) -> Path:
    return published.with_name(published.name + ".lock")


def _work_glob(published: Path) -> list[Path]:
    return sorted(published.parent.glob(published.name + ".work-*"))


def _acquire_lock(published: Path, purpose: str, timeout_s: float) -> int:
    lp = lock_path(published)
    lp.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lp, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + timeout_s
    announced = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                os.close(fd)
                raise
            holder = describe_lock_holder(published)
            if time.monotonic() >= deadline:
                os.close(fd)
                raise WarehouseBusy(
                    f"warehouse {published} is being written by {holder}; waited {timeout_s:.0f} s "
                    "(PILOTWATCH_LOCK_TIMEOUT). Nothing was changed; try again when it finishes."
                ) from None
            if not announced:
                log.warning("waiting for the running writer: %s", holder)
                announced = True
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
    info = {"pid": os.getpid(), "host": socket.gethostname(), "purpose": purpose, "started": utc_now().isoformat()}
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(info).encode(), 0)
    os.fsync(fd)
    return fd


def describe_lock_holder(published: Path) -> str:
    """Who holds (or last held) the writer lock, for messages."""
    try:
        info = json.loads(lock_path(published).read_text() or "{}")
        return f"{info.get('purpose', '?')} (pid {info.get('pid', '?')} on {info.get('host', '?')}, started {info.get('started', '?')})"
    except (OSError, ValueError):
        return "another writer"


def _fsync_path(p: Path, directory: bool = False) -> None:
    fd = os.open(p, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _discard(p: Path) -> None:
    for q in (p, p.with_name(p.name + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            q.unlink()


@contextlib.contextmanager
def writer(purpose: str = "writer", timeout_s: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to a working copy, published atomically when the block succeeds.

    Re-entrant within one process: a nested ``writer()`` gets a cursor on the outer session's
    working copy and does not publish on its own.
    """
    published = settings.db_path()
    key = (os.getpid(), str(published))
    with _active_guard:
        outer = _active.get(key)
        if outer is not None:
            outer.depth += 1
    if outer is not None:
        cur = outer.con.cursor()
        try:
            yield cur
        finally:
            cur.close()
            with _active_guard:
                outer.depth -= 1
        return

    fd = _acquire_lock(published, purpose, settings.lock_timeout_s() if timeout_s is None else timeout_s)
    work = published.with_name(f"{published.name}.work-{os.getpid()}")
    try:
        for stale in _work_glob(published):
            if stale.name.endswith(".wal") and stale.with_suffix("") == work:
                continue
            log.warning("removing stale working copy left by an interrupted writer: %s", stale)
            _discard(stale)
        if published.exists():
            shutil.copyfile(published, work)
        con = duckdb.connect(str(work))
        session = _Session(published, work, con, fd)
        with _active_guard:
            _active[key] = session
        try:
            migrate(con)
            yield con
            con.execute("CHECKPOINT")
        except BaseException:
            with _active_guard:
                _active.pop(key, None)
            con.close()
            _discard(work)
            raise
        with _active_guard:
            _active.pop(key, None)
        con.close()
        wal = work.with_name(work.name + ".wal")
        if wal.exists():  # a clean close checkpoints; a leftover WAL would be lost by the rename
            raise RuntimeError(f"working copy {work} still has a WAL after close; not publishing")
        _fsync_path(work)
        failpoint("publish")
        os.replace(work, published)
        _fsync_path(published.parent, directory=True)
        log.info("published %s (%s)", published, purpose)
    finally:
        _discard(work)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def ensure_published() -> Path:
    """Create an empty, migrated warehouse if none is published yet (first run on a machine)."""
    p = settings.db_path()
    if not p.exists():
        with writer("initialise"):
            pass
    return p

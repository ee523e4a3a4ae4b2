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
import errno
import fcntl
import hashlib
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
from typing import TYPE_CHECKING, Any

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
    """A file shorter than the blocks its header lists is truncated (DuckDB itself only notices when
    a query reaches a missing block). Works without version records: for any file."""
    row = one(con, "SELECT block_size * total_blocks FROM pragma_database_size() WHERE database_name = current_database()")
    needed = int(row[0]) + _HEADERS if row and row[0] is not None else 0
    if p.stat().st_size < needed:
        raise _damaged(p, f"it has {p.stat().st_size} bytes, its header lists {needed} (truncated)")


def _damaged(p: Path, why: object) -> WarehouseDamaged:
    reason = str(why).splitlines()[0]
    exc = WarehouseDamaged(
        f"the published warehouse {p} is damaged or unreadable ({reason}). "
        "Run `pilotwatch warehouse restore` to go back to the newest good previous version "
        "(`pilotwatch warehouse list` shows them)."
    )
    exc.reason = reason
    return exc


# ---------------------------------------------------------------- generations


def versions_path(published: Path) -> Path:
    """``<db>.versions.json``: size and sha256 of every version publishing wrote (and still keeps)."""
    return published.with_name(published.name + ".versions.json")


def read_versions(published: Path) -> dict[str, dict[str, Any]]:
    """sha256 -> ``{"size", "published_at", "purpose"}``; empty when nothing was recorded yet."""
    try:
        data = json.loads(versions_path(published).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable %s: %s", versions_path(published), exc)
        return {}
    return data.get("versions", {}) if isinstance(data, dict) else {}


def _write_versions(published: Path, versions: dict[str, dict[str, Any]]) -> None:
    target = versions_path(published)
    tmp = target.with_name(target.name + f".tmp-{os.getpid()}")
    tmp.write_text(json.dumps({"versions": versions}, indent=1), encoding="utf-8")
    _fsync_path(tmp)
    os.replace(tmp, target)


def check_size(p: Path) -> None:
    """Cheap open-time check: the file's size is one publishing recorded (a truncated copy is not)."""
    versions = read_versions(p)
    if versions and p.stat().st_size not in {v.get("size") for v in versions.values()}:
        sizes = ", ".join(sorted({str(v.get("size")) for v in versions.values()}))
        raise _damaged(p, f"its size {p.stat().st_size} bytes matches no published version ({sizes})")


def generation_files(published: Path) -> list[Path]:
    """Previous versions kept beside the published file, newest first."""
    return sorted(published.parent.glob(published.name + ".gen-*"), reverse=True)


def file_sha256(p: Path) -> str:
    with open(p, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _copy_hashing(src: Path, dst: Path) -> str:
    """Copy ``src`` to ``dst`` and return the sha256 of what was copied (one read of the file)."""
    digest = hashlib.sha256()
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        while chunk := fin.read(1 << 20):
            digest.update(chunk)
            fout.write(chunk)
    return digest.hexdigest()


def _storage_version(con: duckdb.DuckDBPyConnection) -> str:
    """The file's storage version (DuckDB tags it ``v1.2.0+``: that version's format, readable from it on)."""
    row = one(con, "SELECT tags['storage_version'] FROM duckdb_databases() WHERE database_name = current_database()")
    return str(row[0]).rstrip("+") if row and row[0] else ""


def _start_work_copy(published: Path, work: Path) -> None:
    """The working copy: the published file, checked against its recorded hash, converted to
    ``STORAGE_VERSION`` when an older pilotwatch wrote it in DuckDB's newest format."""
    if not published.exists():
        return
    digest = _copy_hashing(published, work)
    versions = read_versions(published)
    if versions and digest not in versions:
        _discard(work)
        raise _damaged(published, "its sha256 matches no published version; not writing on top of it")
    try:
        con = duckdb.connect(str(work), read_only=True)
        try:
            check_blocks(con, work)
            current = _storage_version(con)
        finally:
            con.close()
    except (duckdb.Error, WarehouseDamaged) as exc:
        _discard(work)
        why = exc.reason if isinstance(exc, WarehouseDamaged) else str(exc).splitlines()[0]
        raise _damaged(published, f"{why}; not writing on top of it") from None
    if current == STORAGE_VERSION:
        return
    log.info("converting the warehouse from storage version %s to %s", current, STORAGE_VERSION)
    _discard(work)
    conv = duckdb.connect(":memory:")
    try:
        conv.execute(f"ATTACH '{published}' AS src (READ_ONLY)")
        conv.execute(f"ATTACH '{work}' AS dst (STORAGE_VERSION '{STORAGE_VERSION}')")
        conv.execute("COPY FROM DATABASE src TO dst")
    finally:
        conv.close()


def _record_and_rotate(published: Path, work: Path, purpose: str) -> None:
    """Before the rename: record the new version and keep the outgoing one as a generation."""
    versions = read_versions(published)
    versions[file_sha256(work)] = {"size": work.stat().st_size, "published_at": utc_now().isoformat(),
                                   "purpose": purpose}
    _write_versions(published, versions)
    if published.exists() and settings.generations() > 0:
        gen = published.with_name(f"{published.name}.gen-{utc_now():%Y%m%dT%H%M%S%fZ}")
        try:
            os.link(published, gen)
        except OSError:  # a filesystem without hard links: a copy costs time, not safety
            shutil.copyfile(published, gen)


def _prune_generations(published: Path) -> None:
    """After the rename: drop generations beyond the configured number, and the records beyond
    theirs (the current one, each kept generation, and one a crash may have left unpublished)."""
    keep = settings.generations()
    for old in generation_files(published)[keep:]:
        with contextlib.suppress(FileNotFoundError):
            old.unlink()
    records = read_versions(published)
    newest = sorted(records.items(), key=lambda kv: str(kv[1].get("published_at", "")), reverse=True)[: keep + 2]
    if len(newest) < len(records):
        _write_versions(published, dict(newest))


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
        _start_work_copy(published, work)
        con = duckdb.connect(str(work), config={"storage_compatibility_version": STORAGE_VERSION})
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
        _record_and_rotate(published, work, purpose)
        failpoint("publish")
        os.replace(work, published)
        _fsync_path(published.parent, directory=True)
        _prune_generations(published)
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


# ---------------------------------------------------------------- restore


@dataclass(frozen=True)
class Version:
    """One file that holds (or held) the warehouse: the published one or a kept generation."""

    path: Path
    size: int
    sha256: str
    published_at: str | None
    purpose: str | None
    problem: str | None  # None: good

    @property
    def good(self) -> bool:
        return self.problem is None


def _readable(p: Path) -> str | None:
    """Why ``p`` cannot be read as a warehouse (every table counted to the end), or None."""
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"ATTACH '{str(p).replace(chr(39), chr(39) * 2)}' AS w (READ_ONLY)")
        con.execute("USE w")
        check_blocks(con, p)
        tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'w'").fetchall()
        for schema, name in tables:
            con.execute(f'SELECT count(*) FROM w."{schema}"."{name}"').fetchall()
    except duckdb.Error as exc:
        return str(exc).splitlines()[0]
    except WarehouseDamaged as exc:
        return exc.reason
    finally:
        con.close()
    return None


def versions(published: Path | None = None) -> list[Version]:
    """The published file and its generations, newest first, each checked: its sha256 against the
    records publishing wrote, or, when unrecorded, by reading every table."""
    published = published or settings.db_path()
    records = read_versions(published)
    out = []
    for p in [published, *generation_files(published)]:
        if not p.exists():
            continue
        digest = file_sha256(p)
        rec = records.get(digest)
        # Recorded: good. Unrecorded (damaged, or kept from before records existed): good only
        # if every table reads to the end.
        problem = None if rec else _readable(p)
        out.append(Version(p, p.stat().st_size, digest, (rec or {}).get("published_at"), (rec or {}).get("purpose"),
                           problem))
    return out


def restore(name: str | None = None, timeout_s: float | None = None) -> tuple[Version, Path | None]:
    """Put a kept generation back as the published warehouse, atomically and under the writer lock.

    ``name``: a generation's file name (as ``pilotwatch warehouse list`` shows it); default: the
    newest good generation. A damaged published file is moved aside to ``<db>.damaged-<timestamp>``
    (returned, for a look later); a good one becomes a generation like any outgoing version.
    """
    published = settings.db_path()
    fd = _acquire_lock(published, "restore", settings.lock_timeout_s() if timeout_s is None else timeout_s)
    work = published.with_name(f"{published.name}.work-{os.getpid()}")
    try:
        found = versions(published)
        current = found[0] if found and found[0].path == published else None
        kept = [v for v in found if v.path != published]
        if name:
            chosen = next((v for v in kept if v.path.name == name), None)
            if chosen is None:
                raise FileNotFoundError(f"no generation {name!r}; kept: {', '.join(v.path.name for v in kept) or 'none'}")
            if not chosen.good:
                raise WarehouseDamaged(f"generation {name} is damaged too: {chosen.problem}")
        else:
            chosen = next((v for v in kept if v.good and (current is None or v.sha256 != current.sha256)), None)
            if chosen is None:
                raise WarehouseDamaged(f"no good previous version of {published} is kept; run `pilotwatch refresh --force`")
        if _copy_hashing(chosen.path, work) != chosen.sha256:
            raise WarehouseDamaged(f"generation {chosen.path.name} changed while it was copied; nothing restored")
        _fsync_path(work)
        aside = None
        if current is not None and not current.good:
            aside = published.with_name(f"{published.name}.damaged-{utc_now():%Y%m%dT%H%M%S%fZ}")
            os.replace(published, aside)
        records = read_versions(published)
        records[chosen.sha256] = {"size": chosen.size, "published_at": utc_now().isoformat(),
                                  "purpose": f"restored from {chosen.path.name}"}
        _write_versions(published, records)
        if published.exists():
            os.link(published, published.with_name(f"{published.name}.gen-{utc_now():%Y%m%dT%H%M%S%fZ}"))
        os.replace(work, published)
        _fsync_path(published.parent, directory=True)
        _prune_generations(published)
        log.info("restored %s from %s", published, chosen.path.name)
        return chosen, aside
    finally:
        _discard(work)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

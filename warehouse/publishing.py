"""Publishing: one writer at a time on a working copy, published by an atomic rename.

Why: see the ``warehouse`` package docstring ("Publishing design"). Split from
``warehouse/__init__.py``; ``writer`` and ``ensure_published`` are re-exported by ``warehouse``.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pilotwatch import settings
from pilotwatch.faults import failpoint
from warehouse import STORAGE_VERSION, WarehouseBusy, WarehouseDamaged, check_blocks, migrate, utc_now
from warehouse.generations import (
    _copy_hashing,
    _discard,
    _fsync_path,
    _prune_generations,
    _record_and_rotate,
    _start_work_copy,
    _write_versions,
    file_sha256,
    generation_files,
    read_versions,
)

log = logging.getLogger("pilotwatch.warehouse")

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

"""Generations of the published warehouse: version records, damage detection, rotation and restore.

Why: a damaged published file must never be the only copy, nor the start of the next write (see the
``warehouse`` package docstring, "Generations"). Split from ``warehouse/__init__.py`` to keep each module
about one thing; everything here is re-exported by ``warehouse``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
from pathlib import Path
from typing import Any

import duckdb

from pilotwatch import settings
from warehouse import STORAGE_VERSION, WarehouseDamaged, _damaged, check_blocks, one, utc_now

log = logging.getLogger("pilotwatch.warehouse")

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

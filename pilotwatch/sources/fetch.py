"""Getting the bytes of a catalogue source: a bundled file, a local file, or an HTTP download.

Why this is more than ``requests.get``: the pipeline runs unattended once a year, so every
failure must say *which source* failed and *what the operator should do* (``SourceError``);
transient server trouble is retried but client errors are not (retrying a 404 only delays the
bad news); a runaway or truncated download must never be mistaken for data; an unchanged
source must not be downloaded again (conditional GET); and the portal's API key must never leak
into provenance, logs or error messages, which end up in reports and CI output.

This module is the sources domain's entry point: local files here, the HTTP download in
``http.py``, the values in ``model.py``, the redaction in ``redaction.py`` (re-exported below so that
callers import one module).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from pilotwatch.catalogue import Catalogue, Source
from pilotwatch.sources.model import Fetched, SourceError
from pilotwatch.sources.redaction import redact, safe_uri, source_uri

__all__ = ["Fetched", "SourceError", "fetch", "fetch_to_path", "redact", "safe_uri", "source_uri"]


def fetch(source: Source, catalogue: Catalogue, previous: Mapping[str, Any] | None = None) -> Fetched:
    """Fetch the bytes of ``source``.

    ``previous`` holds ``etag``, ``last_modified`` and ``sha256`` of the last successful fetch
    of the same URI; for a plain HTTP source they become a conditional GET, and a 304 answer
    returns ``Fetched(not_modified=True, content=None, sha256=previous["sha256"])``.

    Raises:
        SourceError: with a message an operator can act on (missing file, not found, forbidden,
            server errors after retries, timeout, too large, truncated, empty, API error).
    """
    if source.kind in ("file", "bundled"):
        return _fetch_file(source, catalogue)
    from pilotwatch.sources.http import HttpFetch  # requests and urllib3 only when a source is downloaded

    return HttpFetch(source, catalogue, previous).run()


def fetch_to_path(
    source: Source, catalogue: Catalogue, directory: Path, previous: Mapping[str, Any] | None = None
) -> tuple[Fetched, Path | None]:
    """Like :func:`fetch`, for files too large to hold in memory: ``(fetched, path)``.

    A local or bundled file is not copied: its own path is returned, with its sha256 computed
    while streaming it. An HTTP body is streamed to a file in ``directory`` (same retries, caps,
    conditional GET and redaction as :func:`fetch`). ``fetched.content`` is always ``None``;
    ``path`` is ``None`` only when the server answered 304 Not Modified.
    """
    if source.kind in ("file", "bundled"):
        path = Path(catalogue.location(source))
        with _open_local(source, catalogue) as fh:
            before = _identity(fh)
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
            _check_unchanged(source, fh, before)
        return Fetched(uri=str(path), content=None, sha256=digest), path
    if source.http.paging != "none":
        raise SourceError(source.id, source_uri(source), "paged APIs cannot be streamed to a file")
    from pilotwatch.sources.http import HttpFetch

    name = Path(urlsplit(source.url or "").path).name or "download"
    dest = Path(directory) / name
    got = HttpFetch(source, catalogue, previous, sink=dest).run()
    return got, (None if got.not_modified else dest)


def _open_local(source: Source, catalogue: Catalogue) -> BinaryIO:
    """The file of a ``file``/``bundled`` source, opened for reading; a ``SourceError`` an operator
    can act on when it is missing, a directory, unreadable or empty."""
    path = Path(catalogue.location(source))
    uri = str(path)
    try:
        fh = open(path, "rb")  # noqa: SIM115 - returned to the caller, who closes it
    except FileNotFoundError:
        where = (
            "data/bundled" if source.kind == "bundled" else (catalogue.base_dir or "the working directory")
        )
        raise SourceError(
            source.id, uri, f"file not found: {path} (path {source.path!r} is resolved against {where})"
        ) from None
    except IsADirectoryError:
        raise SourceError(source.id, uri, f"{path} is a directory, not a file") from None
    except OSError as exc:
        raise SourceError(source.id, uri, f"cannot read {path}: {exc.strerror or exc}") from None
    if os.fstat(fh.fileno()).st_size == 0:
        fh.close()
        raise SourceError(source.id, uri, f"empty: {path} has 0 bytes")
    return fh


def _fetch_file(source: Source, catalogue: Catalogue) -> Fetched:
    with _open_local(source, catalogue) as fh:
        before = _identity(fh)
        try:
            content = fh.read()
        except OSError as exc:
            raise SourceError(source.id, fh.name, f"cannot read {fh.name}: {exc.strerror or exc}") from None
        _check_unchanged(source, fh, before)
        digest = hashlib.sha256(content).hexdigest()
        fh.seek(0)  # a rewrite within one mtime tick leaves size and mtime alone: compare the bytes too
        if hashlib.file_digest(fh, "sha256").hexdigest() != digest:
            raise SourceError(source.id, str(fh.name), "changed while it was read (a second read differs); "
                              "nothing loaded: run again once whatever writes the file has finished")
    return Fetched(uri=str(Path(catalogue.location(source))), content=content, sha256=digest)


def _identity(fh: BinaryIO) -> tuple[int, int, int]:
    st = os.fstat(fh.fileno())
    return st.st_size, st.st_mtime_ns, st.st_ino


def _check_unchanged(source: Source, fh: BinaryIO, before: tuple[int, int, int]) -> None:
    """Refuse a file that was written (or replaced) while it was read: what was read may be a mix
    of two versions, or a half-written one, and must never be loaded as if it were the source."""
    after_open = _identity(fh)
    try:
        st = os.stat(fh.name)
        after_path = (st.st_size, st.st_mtime_ns, st.st_ino)
    except OSError:
        after_path = (-1, -1, -1)
    if after_open != before or after_path != before:
        now = after_path if after_path != before else after_open
        raise SourceError(
            source.id, str(fh.name),
            f"changed while it was read (size {before[0]} -> {now[0]} bytes, modified "
            f"{'again' if now[1] != before[1] else 'in place'}{', replaced' if now[2] != before[2] else ''}); "
            "nothing loaded: run again once whatever writes the file has finished",
        )

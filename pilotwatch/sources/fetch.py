"""Getting the bytes of a catalogue source: a bundled file, a local file, or an HTTP download.

Why this is more than ``requests.get``: the pipeline runs unattended once a year, so every
failure must say *which source* failed and *what the operator should do* (``SourceError``);
transient server trouble is retried but client errors are not (retrying a 404 only delays the
bad news); a runaway or truncated download must never be mistaken for data; an unchanged
source must not be downloaded again (conditional GET); and the portal's API key must never leak
into provenance, logs or error messages, which end up in reports and CI output.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

import requests
import urllib3

from pilotwatch import settings
from pilotwatch.catalogue import Catalogue, HttpOptions, Source

__all__ = ["Fetched", "SourceError", "fetch", "fetch_to_path", "redact", "safe_uri", "source_uri"]

log = logging.getLogger(__name__)

#: The query parameter the Kazakhstan open data portal expects the key in.
API_KEY_PARAM = "apiKey"
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Fetched:
    """The outcome of one fetch, with what provenance needs (never any secret).

    ``content`` is ``None`` only when ``not_modified`` is true (HTTP 304): the caller reuses
    the bytes it stored for ``sha256``.
    """

    uri: str
    content: bytes | None
    sha256: str | None
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    content_type: str | None = None


class SourceError(RuntimeError):
    """A source could not be fetched or read.

    The message always starts with ``source <id> (<uri without secrets>): `` so an operator
    reading a flow log knows which catalogue entry to look at.
    """

    def __init__(self, source_id: str, uri: str, problem: str) -> None:
        self.source_id = source_id
        self.uri = uri
        self.problem = problem
        super().__init__(redact(f"source {source_id} ({uri}): {problem}"))


#: Query parameter names that carry credentials: ``apiKey``, ``api_key``, ``key``, ``token``,
#: ``access_token``, ``password``, ``secret``, ``client_secret``, ``signature``, ``sig``,
#: ``X-Amz-Credential``… (any name ending so, case-insensitively).
_SECRET_NAME = r"[\w.-]*(?:key|token|secret|password|passwd|pwd|signature|sig|credentials?|auth)"
_SECRET_PARAM = re.compile(rf"(?i)^{_SECRET_NAME}$")
_SECRET_IN_TEXT = re.compile(rf"(?i)\b({_SECRET_NAME})=([^&\s\"'#<>]+)")
_USERINFO_IN_TEXT = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s]+@")


def safe_uri(url: str) -> str:
    """``url`` without credentials: credential-looking query parameters (``apiKey``, ``token``,
    ``password``, ``signature``…) and any ``user:password@`` part are removed, so the result can go
    into provenance (``mart.loads.source_uri``), logs and messages. The one redaction for URLs."""
    parts = urlsplit(url)
    if not parts.scheme:  # a file path, not a URL
        return url
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _SECRET_PARAM.match(k)]
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query), parts.fragment))


def redact(text: str) -> str:
    """Free text (a log line, an exception) with every credential-looking ``name=value`` and URL
    userinfo masked: what :func:`safe_uri` does to one URL, for text that may quote several."""
    return _SECRET_IN_TEXT.sub(r"\1=***", _USERINFO_IN_TEXT.sub(r"\1***@", text))


def source_uri(source: Source) -> str:
    """The secret-free URI of a source without needing the catalogue (for reader errors)."""
    if source.kind == "http" and source.url:
        return safe_uri(source.url)
    return source.path or "?"


class _Redactor(logging.Filter):
    """Apply :func:`redact` to log lines: urllib3's debug log prints full request URLs.
    (Not the alerts' ``Redactor``: that one masks values it was given; this one masks by pattern,
    and the sources domain does not import the alerts domain.)"""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        if (clean := redact(message)) != message:
            record.msg, record.args = clean, ()
        return True


for _name in ("urllib3.connectionpool", __name__, "pilotwatch.ingest", "pilotwatch.refresh", "flows.refresh"):
    logging.getLogger(_name).addFilter(_Redactor())


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


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
    return _HttpFetch(source, catalogue, previous).run()


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
    name = Path(urlsplit(source.url or "").path).name or "download"
    dest = Path(directory) / name
    got = _HttpFetch(source, catalogue, previous, sink=dest).run()
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
        digest = _sha256(content)
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


@dataclass
class _Response:
    status: int
    headers: Mapping[str, str]
    content: bytes


class _HttpFetch:
    """One HTTP fetch of one source; holds the key so that every message can be redacted."""

    def __init__(
        self,
        source: Source,
        catalogue: Catalogue,
        previous: Mapping[str, Any] | None,
        sink: Path | None = None,
    ) -> None:
        assert source.url, "kind http always has a url (validated by the catalogue)"
        #: Stream the body into this file instead of memory (``fetch_to_path``).
        self.sink = sink
        self.sink_sha: str | None = None
        self.sink_size = 0
        self.source = source
        self.opts: HttpOptions = source.http
        self.url = source.url
        self.uri = safe_uri(catalogue.location(source))
        self.previous = previous or {}
        self.key: str | None = settings.named_value(self.opts.api_key_env)
        self.deadline = time.monotonic() + self.opts.deadline_s
        self.received = 0

    # -- messages -------------------------------------------------------------------------

    def error(self, problem: str) -> SourceError:
        return SourceError(self.source.id, self.uri, self.redact(problem))

    def redact(self, text: str) -> str:
        """Remove the API key from any text (including URL-encoded forms in exception text)."""
        if self.key:
            for form in {self.key, quote(self.key, safe=""), quote_plus(self.key)}:
                text = text.replace(form, "***")
        return text

    # -- the fetch --------------------------------------------------------------------------

    def run(self) -> Fetched:
        self.deadline = time.monotonic() + self.opts.deadline_s
        with requests.Session() as session:
            session.headers.update(self.opts.headers)
            if self.opts.paging == "opendata_kz":
                return self._paged(session)
            return self._single(session)

    def _params(self) -> dict[str, str]:
        return {API_KEY_PARAM: self.key} if self.key else {}

    def _single(self, session: requests.Session) -> Fetched:
        headers: dict[str, str] = {}
        if self.previous.get("etag"):
            headers["If-None-Match"] = str(self.previous["etag"])
        if self.previous.get("last_modified"):
            headers["If-Modified-Since"] = str(self.previous["last_modified"])
        resp = self._get(session, self._params(), headers, conditional=bool(headers))
        etag = resp.headers.get("ETag")
        last_modified = resp.headers.get("Last-Modified")
        if resp.status == 304:
            return Fetched(
                uri=self.uri,
                content=None,
                sha256=self.previous.get("sha256"),
                etag=etag or self.previous.get("etag"),
                last_modified=last_modified or self.previous.get("last_modified"),
                not_modified=True,
                content_type=resp.headers.get("Content-Type"),
            )
        if self.sink is not None:
            if not self.sink_size:
                raise self.error("empty: the server answered HTTP 200 with 0 bytes")
            return Fetched(
                uri=self.uri,
                content=None,
                sha256=self.sink_sha,
                etag=etag,
                last_modified=last_modified,
                content_type=resp.headers.get("Content-Type"),
            )
        if not resp.content:
            raise self.error("empty: the server answered HTTP 200 with 0 bytes")
        return Fetched(
            uri=self.uri,
            content=resp.content,
            sha256=_sha256(resp.content),
            etag=etag,
            last_modified=last_modified,
            content_type=resp.headers.get("Content-Type"),
        )

    def _paged(self, session: requests.Session) -> Fetched:
        """The open data portal: ``?apiKey=…&source={"from":F,"size":N}`` until a short page."""
        size = self.opts.page_size
        records: list[Any] = []
        content_type: str | None = None
        for page in range(self.opts.max_pages):
            start = page * size
            params = {
                **self._params(),
                "source": json.dumps({"from": start, "size": size}, separators=(",", ":")),
            }
            resp = self._get(session, params, {}, conditional=False)
            content_type = content_type or resp.headers.get("Content-Type")
            where = f"page from={start} size={size}"
            if not resp.content.strip():
                raise self.error(f"empty: {where} returned 0 bytes")
            try:
                body = json.loads(resp.content.decode("utf-8-sig"))
            except UnicodeDecodeError as exc:
                raise self.error(f"{where} is not UTF-8 text (byte {exc.start})") from None
            except json.JSONDecodeError as exc:
                raise self.error(
                    f"{where} is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); "
                    "the download may be truncated or the portal returned an error page"
                ) from None
            if isinstance(body, dict) and "error" in body:
                raise self.error(f"the portal returned an error for {where}: {body['error']!r}")
            if not isinstance(body, list):
                raise self.error(f"{where}: expected a JSON array of records, got {type(body).__name__}")
            records.extend(body)
            if len(body) < size:
                break
        else:
            log.warning(
                "source %s (%s): stopped after max_pages=%d pages of %d records; raise http.max_pages "
                "if the dataset is larger",
                self.source.id,
                self.uri,
                self.opts.max_pages,
                size,
            )
        if not records:
            raise self.error("empty: the portal returned no records")
        content = json.dumps(records, ensure_ascii=False).encode("utf-8")
        return Fetched(uri=self.uri, content=content, sha256=_sha256(content), content_type=content_type)

    def _get(
        self, session: requests.Session, params: dict[str, str], headers: dict[str, str], *, conditional: bool
    ) -> _Response:
        """One logical GET with retries on connection errors, timeouts and 5xx (never on 4xx)."""
        attempts = self.opts.retries + 1
        problem = ""
        for attempt in range(attempts):
            if attempt:
                self._check_deadline()
                time.sleep(min(self.opts.backoff_s * 2 ** (attempt - 1), max(0.0, self.deadline - time.monotonic())))
            self._check_deadline()
            try:
                return self._attempt(session, params, headers, conditional=conditional)
            except _Transient as exc:
                problem = exc.problem
                log.info(
                    "source %s (%s): attempt %d/%d failed: %s",
                    self.source.id,
                    self.uri,
                    attempt + 1,
                    attempts,
                    problem,
                )
        tries = "1 attempt" if attempts == 1 else f"{attempts} attempts"
        raise self.error(f"{problem} (gave up after {tries}; http.retries={self.opts.retries})")

    def _attempt(
        self, session: requests.Session, params: dict[str, str], headers: dict[str, str], *, conditional: bool
    ) -> _Response:
        opts = self.opts
        wait = max(0.001, min(opts.timeout_s, self.deadline - time.monotonic()))
        try:
            with session.get(self.url, params=params, headers=headers, timeout=wait, stream=True) as r:
                status = r.status_code
                if status == 304 and conditional:
                    return _Response(status, r.headers, b"")
                if 500 <= status < 600:
                    raise _Transient(f"server error HTTP {status} {r.reason or ''}".rstrip())
                self._check_status(status, r.reason or "")
                return _Response(status, r.headers, self._read_body(r))
        except requests.Timeout:
            self._check_deadline()
            raise _Transient(f"timed out (no answer within http.timeout_s={opts.timeout_s:g}s)") from None
        except requests.exceptions.ChunkedEncodingError as exc:
            m = re.search(r"IncompleteRead\((\d+) bytes read, (\d+) more expected\)", str(exc))
            detail = f"got {m[1]} bytes, {m[2]} more were announced" if m else self.redact(_short(exc))
            raise self.error(f"truncated: the connection broke during the download ({detail})") from None
        except requests.ConnectionError as exc:
            if "timed out" in str(exc).lower():  # a read timeout while streaming the body
                self._check_deadline()
                raise _Transient(
                    f"timed out (the download stalled for http.timeout_s={opts.timeout_s:g}s)"
                ) from None
            raise _Transient(f"cannot connect: {self.redact(_short(exc))}") from None
        except requests.RequestException as exc:
            raise self.error(f"request failed: {self.redact(_short(exc))}") from None

    def _check_status(self, status: int, reason: str) -> None:
        if status == 404:
            raise self.error("not found (HTTP 404); check the url in the catalogue")
        if status in (401, 403):
            env = self.opts.api_key_env
            if env:
                state = "set" if self.key else "not set"
                hint = f"set ${env}; it is currently {state}"
            else:
                hint = "the source may need http.api_key_env in the catalogue"
            raise self.error(f"forbidden — API key missing or rejected ({hint}); HTTP {status}")
        if 400 <= status < 500:
            raise self.error(
                f"HTTP {status} {reason}: the server rejected the request (not retried)".replace("  ", " ")
            )
        if status == 304:
            raise self.error("HTTP 304 Not Modified although no conditional request was sent")
        if not 200 <= status < 300:
            raise self.error(f"unexpected HTTP {status} {reason}".rstrip())

    def _read_body(self, r: requests.Response) -> bytes:
        """Stream the body, aborting as soon as ``max_bytes`` is exceeded."""
        limit = self.opts.max_bytes
        announced = _content_length(r.headers.get("Content-Length"))
        if announced is not None and announced > limit:
            raise self.error(
                f"too large: the server announces {announced} bytes, more than http.max_bytes={limit}"
            )
        if self.sink is not None:
            return self._stream_to_sink(r, limit, announced)
        buf = bytearray()
        for chunk in self._chunks(r):
            buf += chunk
            if len(buf) > limit:
                raise self.error(f"too large: more than http.max_bytes={limit} bytes; download aborted")
        encoded = r.headers.get("Content-Encoding", "identity").lower() not in ("", "identity")
        if announced is not None and not encoded and len(buf) < announced:
            raise self.error(f"truncated: got {len(buf)} of {announced} announced bytes")
        return bytes(buf)

    def _check_deadline(self) -> None:
        if time.monotonic() >= self.deadline:
            raise self.error(
                f"too slow: not finished within http.deadline_s={self.opts.deadline_s:g}s (the total for every "
                f"attempt; {self.received} bytes received); download aborted"
            )

    def _chunks(self, r: requests.Response) -> Iterator[bytes]:
        """The body as it arrives, checked against the deadline between pieces.

        ``read1`` returns whatever one socket read brings instead of waiting for a full chunk, so a
        server trickling a byte at a time is stopped at ``http.deadline_s``, not 64 KiB later.
        urllib3's errors are mapped to the ``requests`` ones the callers handle.
        """
        self.received = 0
        while True:
            self._check_deadline()
            try:
                chunk = r.raw.read1(_CHUNK, decode_content=True)
            except urllib3.exceptions.ReadTimeoutError as exc:
                raise requests.ConnectionError(f"Read timed out: {exc}") from None
            except (urllib3.exceptions.ProtocolError, urllib3.exceptions.DecodeError) as exc:
                raise requests.exceptions.ChunkedEncodingError(exc) from None
            if not chunk:
                return
            self.received += len(chunk)
            yield chunk

    def _stream_to_sink(self, r: requests.Response, limit: int, announced: int | None) -> bytes:
        """``_read_body`` into ``self.sink`` (rewritten from the start on every attempt)."""
        assert self.sink is not None
        digest = hashlib.sha256()
        size = 0
        with open(self.sink, "wb") as out:
            for chunk in self._chunks(r):
                size += len(chunk)
                if size > limit:
                    raise self.error(f"too large: more than http.max_bytes={limit} bytes; download aborted")
                digest.update(chunk)
                out.write(chunk)
        encoded = r.headers.get("Content-Encoding", "identity").lower() not in ("", "identity")
        if announced is not None and not encoded and size < announced:
            raise self.error(f"truncated: got {size} of {announced} announced bytes")
        self.sink_sha, self.sink_size = digest.hexdigest(), size
        return b""


class _Transient(Exception):
    """A failure worth retrying (connection error, timeout, 5xx)."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def _content_length(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _short(exc: BaseException) -> str:
    """The innermost reason of a requests exception, without urllib3's long wrapper text."""
    text = str(exc)
    m = re.search(
        r"\[Errno -?\d+\] [^'\")]+|Connection refused|Name or service not known|Remote end closed[^'\")]*",
        text,
    )
    return m.group(0) if m else text

"""One HTTP download of a catalogue source: conditional GET, retries of transient failures only,
size and time caps, paging, truncation checks, and the API key kept out of every message.

``pilotwatch.sources.fetch`` is the entry point (``fetch``, ``fetch_to_path``); this module is the HTTP
half of it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import requests
import urllib3

from pilotwatch import settings
from pilotwatch.catalogue import Catalogue, HttpOptions, Source
from pilotwatch.sources.model import Fetched, SourceError
from pilotwatch.sources.redaction import safe_uri

log = logging.getLogger(__name__)

#: The query parameter the Kazakhstan open data portal expects the key in.
API_KEY_PARAM = "apiKey"
_CHUNK = 64 * 1024


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@dataclass
class _Response:
    status: int
    headers: Mapping[str, str]
    content: bytes


class HttpFetch:
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
            sha256=sha256(resp.content),
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
        return Fetched(uri=self.uri, content=content, sha256=sha256(content), content_type=content_type)

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

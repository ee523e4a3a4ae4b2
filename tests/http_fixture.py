"""A real HTTP server on 127.0.0.1 for tests, with routes registered per test.

Why real: retries, timeouts, truncated bodies, size caps and conditional GET live in the
socket and urllib3 layers, which mocks of ``requests`` skip. The server runs
``http.server.ThreadingHTTPServer`` on port 0 in a background thread.

Use it from any test file::

    import http_fixture
    from http_fixture import HttpFixture

    http_server = http_fixture.http_server  # makes the fixture visible in this module

    def test_x(http_server: HttpFixture) -> None:
        http_server.add_static("/data.csv", b"a,b\\n1,2\\n", etag='"v1"')
        url = http_server.url("/data.csv")
        ...
        assert http_server.count("/data.csv") == 1
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

__all__ = ["HttpFixture", "Reply", "Request", "http_server"]


@dataclass
class Request:
    """What the server saw: for asserting on query parameters and headers."""

    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


@dataclass
class Reply:
    """A canned response; used directly or as a step of ``add_sequence``."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/octet-stream"


Handler = Callable[[BaseHTTPRequestHandler, Request], None]


def _send(h: BaseHTTPRequestHandler, reply: Reply) -> None:
    h.send_response(reply.status)
    h.send_header("Content-Type", reply.content_type)
    h.send_header("Content-Length", str(len(reply.body)))
    for k, v in reply.headers.items():
        h.send_header(k, v)
    h.end_headers()
    h.wfile.write(reply.body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fixture: HttpFixture

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up (timeouts, size caps) are expected here: stay quiet."""


class _RequestHandler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"  # one request per connection: closing ends a body

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        req = Request(parts.path, parse_qs(parts.query), {k: v for k, v in self.headers.items()})
        fixture = self.server.fixture
        with fixture.lock:
            fixture.requests.append(req)
            fixture.counts[parts.path] += 1
            handler = fixture.routes.get(parts.path)
        if handler is None:
            _send(self, Reply(404, b"no such route"))
        else:
            handler(self, req)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output clean."""


class HttpFixture:
    """The running server and its routes; ``count(path)`` says how often a path was hit."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.requests: list[Request] = []
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _RequestHandler)
        self._server.fixture = self
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.daemon = True

    def start(self) -> HttpFixture:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def count(self, path: str) -> int:
        with self.lock:
            return self.counts[path]

    def route(self, path: str, handler: Handler) -> None:
        """Register any handler ``(request_handler, request) -> None``."""
        self.routes[path] = handler

    # -- canned routes --------------------------------------------------------------------

    def add_static(
        self,
        path: str,
        body: bytes,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        content_type: str = "application/octet-stream",
        send_length: bool = True,
    ) -> None:
        """Fixed bytes; honours If-None-Match / If-Modified-Since with 304.

        ``send_length=False`` omits Content-Length (the body ends when the connection closes),
        to test size caps enforced while streaming.
        """

        def handler(h: BaseHTTPRequestHandler, req: Request) -> None:
            validators = {}
            if etag:
                validators["ETag"] = etag
            if last_modified:
                validators["Last-Modified"] = last_modified
            inm, ims = h.headers.get("If-None-Match"), h.headers.get("If-Modified-Since")
            if (etag and inm == etag) or (last_modified and not inm and ims == last_modified):
                h.send_response(304)
                for k, v in validators.items():
                    h.send_header(k, v)
                h.end_headers()
                return
            if not send_length:
                h.send_response(200)
                h.send_header("Content-Type", content_type)
                h.end_headers()
                h.wfile.write(body)
                return
            _send(h, Reply(200, body, validators, content_type))

        self.route(path, handler)

    def add_status(self, path: str, status: int, body: bytes = b"error") -> None:
        """Always answer ``status`` (404, 403, 500, ...)."""
        self.route(path, lambda h, req: _send(h, Reply(status, body, content_type="text/plain")))

    def add_sequence(self, path: str, replies: Sequence[Reply]) -> None:
        """Answer with ``replies`` in order, repeating the last one (e.g. 500 then 200)."""
        steps = list(replies)

        def handler(h: BaseHTTPRequestHandler, req: Request) -> None:
            n = self.count(path)
            _send(h, steps[min(n, len(steps)) - 1])

        self.route(path, handler)

    def add_sleep(self, path: str, seconds: float, body: bytes = b"late") -> None:
        """Wait ``seconds`` before answering (longer than the client timeout)."""

        def handler(h: BaseHTTPRequestHandler, req: Request) -> None:
            time.sleep(seconds)
            _send(h, Reply(200, body))

        self.route(path, handler)

    def add_truncated(self, path: str, body: bytes, announced: int) -> None:
        """Announce ``announced`` bytes in Content-Length, send ``body`` (fewer), then close."""

        def handler(h: BaseHTTPRequestHandler, req: Request) -> None:
            h.send_response(200)
            h.send_header("Content-Type", "text/csv")
            h.send_header("Content-Length", str(announced))
            h.end_headers()
            h.wfile.write(body)
            h.wfile.flush()
            h.close_connection = True

        self.route(path, handler)

    def add_endless(self, path: str, chunk: bytes = b"x" * 65536, max_chunks: int = 20000) -> None:
        """Stream without Content-Length until the client hangs up (tests aborting on size)."""

        def handler(h: BaseHTTPRequestHandler, req: Request) -> None:
            h.send_response(200)
            h.send_header("Content-Type", "text/csv")
            h.end_headers()
            for _ in range(max_chunks):
                h.wfile.write(chunk)

        self.route(path, handler)

    def add_html(self, path: str, status: int = 200) -> None:
        """An HTML error/login page where data was expected."""
        page = (
            b"<!DOCTYPE html>\n<html><head><title>Error</title></head><body>Service unavailable</body></html>"
        )
        self.route(path, lambda h, req: _send(h, Reply(status, page, content_type="text/html")))

    def add_opendata(
        self, path: str, records: list[dict[str, Any]], api_key: str, *, error_at: int | None = None
    ) -> None:
        """The Kazakhstan open data portal: ``?apiKey=K&source={"from":F,"size":N}`` → JSON array.

        No or wrong ``apiKey`` → 403. ``error_at=F``: the page starting at F answers
        ``{"error": "..."}`` with HTTP 200, as the portal does.
        """

        def handler(h: BaseHTTPRequestHandler, req: Request) -> None:
            if req.query.get("apiKey") != [api_key]:
                _send(h, Reply(403, b'{"error": "invalid apiKey"}', content_type="application/json"))
                return
            try:
                spec = json.loads(req.query["source"][0])
                start, size = int(spec["from"]), int(spec["size"])
            except (KeyError, ValueError, TypeError):
                _send(h, Reply(400, b'{"error": "bad source parameter"}', content_type="application/json"))
                return
            if error_at is not None and start == error_at:
                body = json.dumps({"error": "index temporarily unavailable"}).encode()
            else:
                body = json.dumps(records[start : start + size], ensure_ascii=False).encode()
            _send(h, Reply(200, body, content_type="application/json; charset=utf-8"))

        self.route(path, handler)


@pytest.fixture
def http_server() -> Iterator[HttpFixture]:
    """A fresh server per test, stopped afterwards."""
    server = HttpFixture().start()
    try:
        yield server
    finally:
        server.stop()

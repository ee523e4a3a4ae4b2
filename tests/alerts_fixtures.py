"""Real receivers for alert tests: an HTTP webhook receiver and an SMTP server (aiosmtpd) on 127.0.0.1.

Why real: retries, timeouts, refused connections, STARTTLS and SMTP AUTH live in sockets and
protocol layers that mocks skip. Use from a test module::

    import alerts_fixtures
    from alerts_fixtures import SmtpServer, WebhookReceiver

    webhook = alerts_fixtures.webhook
    smtp = alerts_fixtures.smtp

    def test_x(webhook: WebhookReceiver, smtp: SmtpServer) -> None:
        webhook.fail("/hook", [500, 200])     # 500 first, then 200
        ...
        assert len(webhook.posts("/hook")) == 2
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

__all__ = ["Post", "SmtpServer", "WebhookReceiver", "dead_port", "smtp", "webhook"]


def dead_port() -> int:
    """A port nothing listens on (bound and released): connecting to it is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ---------------------------------------------------------------- webhook receiver


@dataclass
class Post:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    receiver: WebhookReceiver

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up after a timeout are expected: stay quiet."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        rec = self.server.receiver
        with rec.lock:
            n = sum(1 for a in rec.arrivals if a.path == self.path)
            rec.arrivals.append(Post(self.path, dict(self.headers.items()), body))
            steps = rec.scripts.get(self.path, [200])
        step = steps[min(n, len(steps) - 1)]
        if isinstance(step, tuple):  # ("sleep", seconds): answer 200 after a delay longer than the timeout
            time.sleep(step[1])
            step = 200
        if step < 300:  # recorded before answering: the client may check as soon as it has the answer
            with rec.lock:
                rec.accepted.append(Post(self.path, dict(self.headers.items()), body))
        payload = b"ok" if step < 300 else f"error {step}".encode()
        self.send_response(step)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output clean."""


class WebhookReceiver:
    """Records every POST; ``fail(path, [500, 500, 200])`` scripts the answers per path (last repeats)."""

    def __init__(self, port: int = 0) -> None:
        self.lock = threading.Lock()
        self.arrivals: list[Post] = []  # every request, answered with whatever status
        self.accepted: list[Post] = []  # requests answered 2xx (what a real receiver would have kept)
        self.scripts: dict[str, list[int | tuple[str, float]]] = {}
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.receiver = self
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def fail(self, path: str, steps: list[int | tuple[str, float]]) -> None:
        with self.lock:
            self.scripts[path] = list(steps)

    def heal(self, path: str) -> None:
        with self.lock:
            self.scripts.pop(path, None)

    def posts(self, path: str | None = None, accepted: bool = True) -> list[Post]:
        with self.lock:
            src = self.accepted if accepted else self.arrivals
            return [p for p in src if path is None or p.path == path]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    r = WebhookReceiver()
    try:
        yield r
    finally:
        r.stop()


# ---------------------------------------------------------------- SMTP server


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate and key for 127.0.0.1 (the CA file the client is told to trust is the cert)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class _Handler_SMTP:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.server.lock:
            self.server.messages.append(msg)  # type: ignore[arg-type]
        return "250 OK"


class SmtpServer:
    """aiosmtpd on 127.0.0.1; optional AUTH (``user``/``password``) and STARTTLS (``tls_dir``)."""

    def __init__(self, user: str | None = None, password: str | None = None, tls_dir: Path | None = None) -> None:
        self.lock = threading.Lock()
        self.messages: list[EmailMessage] = []
        self.user, self.password = user, password
        self.ca_file: Path | None = None
        kwargs: dict[str, Any] = {}
        if tls_dir is not None:
            cert, key = self_signed(tls_dir)
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(cert, key)
            kwargs.update(tls_context=ctx, require_starttls=True)
            self.ca_file = cert
        if user is not None:
            kwargs.update(authenticator=self._authenticate, auth_required=True, auth_require_tls=tls_dir is not None)
        self.port = dead_port()
        self._controller = Controller(_Handler_SMTP(self), hostname="127.0.0.1", port=self.port, **kwargs)
        self._controller.start()

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == self.user
              and auth_data.password.decode() == self.password)
        return AuthResult(success=ok, handled=False)

    def received(self) -> list[EmailMessage]:
        with self.lock:
            return list(self.messages)

    def stop(self) -> None:
        self._controller.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    s = SmtpServer()
    try:
        yield s
    finally:
        s.stop()

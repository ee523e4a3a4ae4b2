"""Secrets for alert channels: resolved at run time from references, and kept out of every output.

A reference names an environment variable or a Prefect ``Secret`` block; the value lives only in a
``pydantic.SecretStr`` (whose ``repr`` is masked) inside the running process. Everything that
leaves the process — log lines, error messages stored in the warehouse, CLI output — goes through
:data:`REDACTOR`, which replaces every secret resolved so far (and its URL-encoded form) with
``***``. urllib3's debug log prints request paths, where Slack and Teams put their credential, so
the redactor is installed as a filter on that logger too.
"""

from __future__ import annotations

import logging
import threading
from urllib.parse import quote, quote_plus, urlsplit

from pydantic import SecretStr

from pilotwatch import settings
from pilotwatch.alerts.config import SecretRef


class SecretMissing(RuntimeError):
    """A referenced secret is not configured; the message names the reference, never a value."""


class Redactor(logging.Filter):
    """Replaces known secret strings with ``***`` in text and in log records."""

    MASK = "***"

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def add(self, value: str) -> None:
        """Remember ``value`` (and for URLs, the credential-bearing parts) as secret."""
        if not value or len(value) < 4:
            return
        forms = {value, quote(value, safe=""), quote_plus(value), quote(value, safe="/:")}
        parts = urlsplit(value)
        if parts.scheme in ("http", "https") and parts.netloc:
            if parts.path not in ("", "/"):
                tail = parts.path + (f"?{parts.query}" if parts.query else "")
                forms |= {tail, parts.path, quote(parts.path, safe="")}
            if parts.query:
                forms.add(parts.query)
            if parts.password:
                forms.add(parts.password)
        with self._lock:
            self._secrets |= {f for f in forms if f and len(f) >= 4}

    def __call__(self, text: object) -> str:
        s = str(text)
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            if secret in s:
                s = s.replace(secret, self.MASK)
        return s

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        clean = self(message)
        if clean != message:
            record.msg, record.args = clean, ()
        return True


REDACTOR = Redactor()
for _name in ("urllib3.connectionpool", "urllib3.util.retry", "requests", "pilotwatch.alerts", "mail.log"):
    logging.getLogger(_name).addFilter(REDACTOR)


def safe_url(url: str) -> str:
    """A webhook URL as it may be shown: scheme and host only (the path is the credential)."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return f"{parts.scheme}://{host}/***" if parts.scheme and host else "***"


def resolve(ref: SecretRef, secret: bool = True) -> SecretStr:
    """The value behind ``ref``; a ``secret`` one is registered with the redactor before it is returned.

    ``secret=False`` is for settings that are merely kept out of the repository (an SMTP host or
    user name from the environment): they stay readable in messages.
    """
    if ref.env:
        value = settings.named_value(ref.env) or ""
        if not value:
            raise SecretMissing(f"environment variable {ref.env} is not set")
    else:
        assert ref.secret
        try:
            from prefect.blocks.system import Secret

            value = str(Secret.load(ref.secret).get())
        except Exception as exc:  # noqa: BLE001 - any failure means "not configured"; never echo a value
            raise SecretMissing(
                f"Prefect Secret block {ref.secret!r} could not be loaded ({type(exc).__name__})"
            ) from None
        if not value.strip():
            raise SecretMissing(f"Prefect Secret block {ref.secret!r} is empty")
    value = value.strip()
    if secret:
        REDACTOR.add(value)
    return SecretStr(value)

"""Alert channels (webhook, SMTP email, file/stdout) and delivery with retries and backoff.

Each configured channel becomes a *sender* once its secrets are resolved. :func:`deliver_all`
runs one worker thread per channel, so a channel that times out or refuses connections only
delays itself; inside a channel, each alert is tried up to ``retry.attempts`` times with
exponential backoff, retrying only what can get better by waiting (timeouts, refused
connections, HTTP 5xx/429, SMTP 4xx). When an alert still fails, the rest of that channel's queue
is deferred to the next run instead of hammering a dead endpoint. Every attempt is returned (the
caller logs them in the warehouse); every error text is redacted before it leaves here.
"""

from __future__ import annotations

import email.policy
import logging
import smtplib
import ssl
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol

import requests
from pydantic import SecretStr

from pilotwatch import settings
from pilotwatch.alerts import render
from pilotwatch.alerts.config import AlertsConfig, EmailChannel, FileChannel, Retry, WebhookChannel
from pilotwatch.alerts.render import Alert
from pilotwatch.alerts.secrets import REDACTOR, SecretMissing, resolve, safe_url
from warehouse import utc_now

log = logging.getLogger("pilotwatch.alerts")

_FILE_LOCK = threading.Lock()
#: Headers stay on one line up to RFC 5322's 998 characters, so the alert id and dedup key headers are
#: never folded (a folded value reaches some parsers with a leading space), and a long non-ASCII subject
#: (a Russian title) is not folded either: Python's folding of encoded words drops spaces between them.
_MAIL_POLICY = email.policy.default.clone(max_line_length=998)



class DeliveryFailed(RuntimeError):
    """One attempt failed. ``retryable``: waiting and trying again may help."""

    def __init__(self, message: str, retryable: bool, retry_after_s: float | None = None) -> None:
        super().__init__(REDACTOR(message))
        self.retryable = retryable
        self.retry_after_s = retry_after_s


class Sender(Protocol):
    name: str
    kind: str

    def target(self) -> str: ...

    def send(self, alert: Alert) -> str: ...


def _short(exc: BaseException, limit: int = 300) -> str:
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return REDACTOR(text)[:limit]


# ---------------------------------------------------------------- webhook


@dataclass
class WebhookSender:
    name: str
    cfg: WebhookChannel
    url: SecretStr
    kind: str = "webhook"
    session: requests.Session = field(default_factory=requests.Session)

    def target(self) -> str:
        return f"webhook ({self.cfg.format}) {safe_url(self.url.get_secret_value())}"

    def send(self, alert: Alert) -> str:
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "pilotwatch-alerts",
            # receivers may de-duplicate on this (delivery is at-least-once)
            "X-Pilotwatch-Alert-Id": str(alert.alert_id),
            "X-Pilotwatch-Dedup-Key": alert.dedup_key,
        }
        try:
            r = self.session.post(
                self.url.get_secret_value(), data=render.payload_bytes(self.cfg.format, alert), headers=headers,
                timeout=self.cfg.timeout_s, allow_redirects=False,
            )
        except requests.Timeout:
            raise DeliveryFailed(f"timed out after {self.cfg.timeout_s:g} s", retryable=True) from None
        except requests.ConnectionError as exc:
            raise DeliveryFailed(f"cannot connect: {_short(exc)}", retryable=True) from None
        except requests.RequestException as exc:
            raise DeliveryFailed(f"request failed: {_short(exc)}", retryable=False) from None
        body = REDACTOR(r.text[:200].strip())
        if 200 <= r.status_code < 300:
            return f"HTTP {r.status_code}"
        retry_after = _retry_after(r.headers.get("Retry-After"))
        retryable = r.status_code >= 500 or r.status_code in (408, 425, 429)
        raise DeliveryFailed(f"HTTP {r.status_code}{': ' + body if body else ''}", retryable, retry_after)


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


# ---------------------------------------------------------------- email


@dataclass
class EmailSender:
    name: str
    cfg: EmailChannel
    host: str
    port: int
    username: str | None
    password: SecretStr | None
    kind: str = "email"

    def target(self) -> str:
        auth = f", auth as {self.username}" if self.username else ""
        return f"email via {self.host}:{self.port} ({self.cfg.security}{auth}) to {', '.join(self.cfg.to)}"

    def message(self, alert: Alert) -> EmailMessage:
        msg = EmailMessage(policy=_MAIL_POLICY)
        msg["Subject"] = " ".join(f"{self.cfg.subject_prefix} {alert.title()}".split())  # no quoted line breaks
        msg["From"] = self.cfg.sender
        msg["To"] = ", ".join(self.cfg.to)
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = make_msgid(domain=self.cfg.sender.rsplit("@", 1)[-1])
        msg["X-Pilotwatch-Alert-Id"] = str(alert.alert_id)
        msg["X-Pilotwatch-Dedup-Key"] = alert.dedup_key
        msg.set_content(render.text(alert))
        msg.add_alternative(render.html_body(alert), subtype="html")
        return msg

    def _tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.cfg.ca_file) if self.cfg.ca_file else ssl.create_default_context()

    def send(self, alert: Alert) -> str:
        msg = self.message(alert)
        t = self.cfg.timeout_s
        try:
            if self.cfg.security == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=t, context=self._tls())
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=t)
            try:
                smtp.ehlo()
                if self.cfg.security == "starttls":
                    smtp.starttls(context=self._tls())
                    smtp.ehlo()
                if self.username:
                    smtp.login(self.username, self.password.get_secret_value() if self.password else "")
                refused = smtp.send_message(msg)
            finally:
                try:
                    smtp.quit()
                except (smtplib.SMTPException, OSError):
                    smtp.close()
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryFailed(f"SMTP authentication failed ({exc.smtp_code})", retryable=False) from None
        except smtplib.SMTPNotSupportedError as exc:
            raise DeliveryFailed(f"SMTP server does not support this: {_short(exc)}", retryable=False) from None
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryFailed(f"all recipients refused: {sorted(exc.recipients)}", retryable=False) from None
        except smtplib.SMTPResponseException as exc:
            retryable = 400 <= exc.smtp_code < 500
            detail = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
            raise DeliveryFailed(f"SMTP {exc.smtp_code}: {REDACTOR(detail)[:200]}", retryable) from None
        except ssl.SSLError as exc:
            raise DeliveryFailed(f"TLS failed: {_short(exc)}", retryable=False) from None
        except TimeoutError:
            raise DeliveryFailed(f"timed out after {t:g} s", retryable=True) from None
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError) as exc:
            raise DeliveryFailed(f"cannot reach {self.host}:{self.port}: {_short(exc)}", retryable=True) from None
        if refused:
            return f"sent; refused by the server for {sorted(refused)}"
        return f"sent to {len(self.cfg.to)} recipient(s)"


# ---------------------------------------------------------------- file / stdout


@dataclass
class FileSender:
    name: str
    cfg: FileChannel
    path: Path | None  # None: stdout
    kind: str = "file"

    def target(self) -> str:
        return "stdout" if self.path is None else f"file {self.path}"

    def send(self, alert: Alert) -> str:
        data = (render.line(alert) if self.cfg.format == "text"
                else render.payload_bytes("json", alert).decode("utf-8")) + "\n"
        try:
            with _FILE_LOCK:
                if self.path is None:
                    sys.stdout.write(data)
                    sys.stdout.flush()
                else:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    with self.path.open("a", encoding="utf-8") as f:
                        f.write(data)
        except OSError as exc:
            raise DeliveryFailed(f"cannot write: {_short(exc)}", retryable=True) from None
        return "written"


# ---------------------------------------------------------------- building senders


def build_sender(name: str, cfg: AlertsConfig) -> Sender:
    """A ready sender for channel ``name``; :class:`SecretMissing` when it is not configured."""
    ch = cfg.channels[name]
    if isinstance(ch, WebhookChannel):
        return WebhookSender(name, ch, resolve(ch.url))
    if isinstance(ch, EmailChannel):
        refs = ch.secret_refs()
        host = ch.host or resolve(refs["host"], secret=False).get_secret_value()
        port_text = resolve(refs["port"], secret=False).get_secret_value() if "port" in refs else None
        try:
            port = int(port_text) if port_text else (ch.port or ch.default_port())
        except ValueError:
            raise SecretMissing(f"environment variable {ch.port_env} is not a port number") from None
        username = ch.username or (resolve(refs["username"], secret=False).get_secret_value()
                                   if "username" in refs else None)
        password = resolve(refs["password"]) if "password" in refs else None
        return EmailSender(name, ch, host, port, username, password)
    assert isinstance(ch, FileChannel)
    if ch.path == "-":
        return FileSender(name, ch, None)
    p = Path(ch.path).expanduser()
    return FileSender(name, ch, p if p.is_absolute() else settings.db_path().parent / p)


def build_senders(cfg: AlertsConfig) -> tuple[dict[str, Sender], dict[str, str]]:
    """Senders for every channel whose secrets resolve, and why the others are unavailable."""
    ready: dict[str, Sender] = {}
    missing: dict[str, str] = {}
    for name in cfg.channels:
        try:
            ready[name] = build_sender(name, cfg)
        except SecretMissing as exc:
            missing[name] = f"not configured: {exc}"
    return ready, missing


# ---------------------------------------------------------------- delivering


@dataclass
class Attempt:
    alert_id: int
    channel: str
    started_at: datetime
    finished_at: datetime
    ok: bool
    detail: str  # "HTTP 200" / the error


@dataclass
class ChannelResult:
    channel: str
    attempts: list[Attempt] = field(default_factory=list)
    delivered: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)  # alert_id -> last error
    deferred: dict[int, str] = field(default_factory=dict)  # alert_id -> why it was not tried


def backoff_delays(retry: Retry) -> list[float]:
    """The waits between attempts: ``backoff_s * factor**i``, capped at ``max_backoff_s``."""
    return [min(retry.max_backoff_s, retry.backoff_s * retry.backoff_factor**i) for i in range(retry.attempts - 1)]


def deliver_channel(
    sender: Sender, alerts: Sequence[Alert], retry: Retry, sleep: Callable[[float], None] = time.sleep
) -> ChannelResult:
    """Send ``alerts`` in order; retry each with backoff; defer the rest after one gives up."""
    result = ChannelResult(sender.name)
    delays = backoff_delays(retry)
    for i, alert in enumerate(alerts):
        last_error = ""
        for n in range(retry.attempts):
            started = utc_now()
            try:
                detail = sender.send(alert)
            except DeliveryFailed as exc:
                last_error = str(exc)
                result.attempts.append(Attempt(alert.alert_id, sender.name, started, utc_now(), False, last_error))
                log.warning("alert %s -> %s: attempt %d/%d failed: %s", alert.alert_id, sender.name, n + 1,
                            retry.attempts, last_error)
                if not exc.retryable or n == len(delays):
                    break
                wait = delays[n] if exc.retry_after_s is None else min(exc.retry_after_s, retry.max_backoff_s)
                sleep(wait)
                continue
            except Exception as exc:  # noqa: BLE001 - a bug in one channel must not stop the others
                last_error = f"unexpected error: {_short(exc)}"
                result.attempts.append(Attempt(alert.alert_id, sender.name, started, utc_now(), False, last_error))
                log.error("alert %s -> %s: %s", alert.alert_id, sender.name, last_error)
                break
            result.attempts.append(Attempt(alert.alert_id, sender.name, started, utc_now(), True, detail))
            result.delivered.append(alert.alert_id)
            break
        if alert.alert_id not in result.delivered:
            result.failed[alert.alert_id] = last_error
            why = f"deferred to the next run: channel {sender.name} failed on alert {alert.alert_id} ({last_error})"
            for rest in alerts[i + 1:]:
                result.deferred[rest.alert_id] = why
            break
    return result


def deliver_all(
    queues: dict[str, list[Alert]], senders: dict[str, Sender], cfg: AlertsConfig,
    sleep: Callable[[float], None] = time.sleep,
) -> list[ChannelResult]:
    """One worker per channel, so a slow or dead channel never holds up the others."""
    work = {name: alerts for name, alerts in queues.items() if alerts and name in senders}
    if not work:
        return []
    with ThreadPoolExecutor(max_workers=len(work), thread_name_prefix="alert-channel") as pool:
        futures = {name: pool.submit(deliver_channel, senders[name], alerts, cfg.retry_for(name), sleep)
                   for name, alerts in work.items()}
        return [futures[name].result() for name in work]

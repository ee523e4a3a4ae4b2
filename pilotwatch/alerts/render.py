"""How an alert looks on each channel: Slack, Microsoft Teams, plain JSON, email (text + HTML), a line.

Payload shapes:

* ``slack`` — an incoming-webhook message: ``text`` (the notification fallback) plus Block Kit
  ``blocks`` (header, the message, a context line).
* ``teams`` — a ``message`` with one Adaptive Card attachment (v1.4), which both Teams Workflows
  webhooks and the older Office 365 connectors accept.
* ``json`` — ``{"source": "pilotwatch", "type": "alert", "alert": {...}}`` with every column of
  ``mart.alerts`` plus ``dedup_key`` and ``look`` (where to look), for any other receiver.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # messages imports this module
    from pilotwatch.alerts.messages import Message

RULE_TITLES = {
    "indicator_turned_negative": "indicator turned negative",
    "factor_flipped": "factor flipped to negative",
    "verdict_changed": "verdict changed",
    "behind_target": "behind target",
    "stale_data": "data not arrived",
    "test": "test message",
}
SEVERITY_EMOJI = {"info": ":information_source:", "warning": ":warning:", "critical": ":rotating_light:"}
SEVERITY_COLOR = {"info": "Accent", "warning": "Warning", "critical": "Attention"}


@dataclass(frozen=True)
class Alert:
    """One row of ``mart.alerts`` as channels see it."""

    alert_id: int
    rule: str
    severity: str
    message: str
    created_at: datetime
    dedup_key: str = ""
    body_code: str | None = None
    factor: str | None = None
    indicator: str | None = None
    subject: str | None = None
    year: int | None = None
    previous_value: float | None = None
    value: float | None = None
    previous_label: str | None = None
    value_label: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def look(self) -> str | None:
        return self.details.get("look")

    def title(self) -> str:
        what = " · ".join(str(x) for x in (self.body_code, self.subject, self.year) if x not in (None, ""))
        return f"{self.severity.upper()}: {RULE_TITLES.get(self.rule, self.rule)}" + (f" — {what}" if what else "")

    def fields(self) -> list[tuple[str, str]]:
        """Label/value pairs shown under the message (only those that are set)."""
        pairs = [
            ("Rule", self.rule), ("Body", self.body_code), ("Factor", self.factor), ("Indicator", self.indicator),
            ("Year", self.year),
            ("Previous", self.previous_label if self.previous_label is not None else self.previous_value),
            ("Now", self.value_label if self.value_label is not None else self.value),
            ("Severity", self.severity), ("Alert", f"#{self.alert_id}"),
        ]
        return [(k, str(v)) for k, v in pairs if v not in (None, "")]


def probe_alert(channel: str) -> Alert:
    """What ``pilotwatch alerts test CHANNEL`` sends (id 0: never a real alert)."""
    return Alert(
        alert_id=0, rule="test", severity="info", created_at=datetime.now().replace(microsecond=0),
        message=f"Test message from pilotwatch to channel '{channel}'. If you can read this, the channel works.",
        dedup_key="test", subject="test",
    )


def as_record(alert: Alert) -> dict[str, Any]:
    rec = asdict(alert)
    rec["created_at"] = alert.created_at.isoformat()
    rec["look"] = alert.look
    return rec


def text(alert: Alert | Message) -> str:
    """Plain text (email text part)."""
    if not isinstance(alert, Alert):
        return alert.text()
    lines = [alert.title(), "", alert.message, ""]
    lines += [f"{k + ':':<11}{v}" for k, v in alert.fields()]
    if alert.details.get("query"):
        lines += ["", "To see it:", f"  {alert.details['query']}"]
    if alert.details.get("dashboard"):
        lines += [f"  {alert.details['dashboard']}"]
    lines += ["", f"pilotwatch alert {alert.alert_id} ({alert.dedup_key}), created {alert.created_at.isoformat()} UTC"]
    return "\n".join(lines) + "\n"


def html_body(alert: Alert | Message) -> str:
    """HTML (email HTML part); every value escaped."""
    if not isinstance(alert, Alert):
        return alert.html()
    e = html.escape
    color = {"info": "#1f6feb", "warning": "#b08800", "critical": "#cf222e"}.get(alert.severity, "#57606a")
    rows = "".join(f"<tr><th align='left' style='padding-right:12px'>{e(k)}</th><td>{e(v)}</td></tr>"
                   for k, v in alert.fields())
    query = (f"<p>To see it:<br><code>{e(alert.details['query'])}</code></p>" if alert.details.get("query") else "")
    dash = (f"<p><a href=\"{e(link)}\">Open the dashboard</a></p>" if (link := safe_link(alert)) else "")
    return (
        "<!DOCTYPE html><html><body style='font-family:sans-serif'>"
        f"<h2 style='color:{color}'>{e(alert.title())}</h2>"
        f"<p>{e(alert.message)}</p><table>{rows}</table>{query}{dash}"
        f"<p style='color:#57606a;font-size:small'>pilotwatch alert {alert.alert_id} ({e(alert.dedup_key)}), "
        f"created {e(alert.created_at.isoformat())} UTC</p></body></html>"
    )


def line(alert: Alert | Message) -> str:
    """One line for the file/stdout channel."""
    if not isinstance(alert, Alert):
        return " ".join(alert.line().split())  # a quoted newline must not forge a second line
    text = (f"{alert.created_at.isoformat()} [{alert.severity}] {alert.rule} #{alert.alert_id} "
            f"{alert.dedup_key}: {alert.message}")
    return " ".join(text.split())  # a quoted newline must not forge a second line


def safe_link(alert: Alert) -> str | None:
    """The dashboard link if it is an http(s) URL; never a ``javascript:`` or ``data:`` one."""
    url = str(alert.details.get("dashboard") or "").strip()
    return url if url.lower().startswith(("https://", "http://")) and not any(c in url for c in "<>|\" \n\r") else None


#: Markdown punctuation Adaptive Cards' TextBlock would turn into links or emphasis.
_CARD_MD = re.compile(r"([\\`*_\[\]()~])")


def card_text(s: object) -> str:
    """Text for a Teams TextBlock/FactSet: shown as written (TextBlock renders Markdown links)."""
    return _CARD_MD.sub(r"\\\1", str(s))


def _mrkdwn(s: str) -> str:
    """Slack's three control characters, escaped as its docs ask (messages contain "->")."""
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack(alert: Alert) -> dict[str, Any]:
    context = " · ".join(f"*{k}:* {_mrkdwn(v)}" for k, v in alert.fields())
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": alert.title()[:150], "emoji": True}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _mrkdwn(alert.message)[:3000]}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": context[:3000]}]},
    ]
    if alert.details.get("query"):
        blocks.append({"type": "section",
                       "text": {"type": "mrkdwn", "text": f"`{_mrkdwn(alert.details['query'])}`"[:3000]}})
    if link := safe_link(alert):
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"<{link}|Open the dashboard>"}})
    fallback = f"{SEVERITY_EMOJI.get(alert.severity, '')} {alert.title()}: {_mrkdwn(alert.message)}"
    return {"text": fallback.strip()[:4000], "blocks": blocks}


def teams(alert: Alert) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": card_text(alert.title()), "weight": "Bolder", "size": "Medium", "wrap": True,
         "color": SEVERITY_COLOR.get(alert.severity, "Default")},
        {"type": "TextBlock", "text": card_text(alert.message), "wrap": True},
        {"type": "FactSet", "facts": [{"title": card_text(k), "value": card_text(v)} for k, v in alert.fields()]},
    ]
    if alert.details.get("query"):
        body.append({"type": "TextBlock", "text": card_text(alert.details["query"]), "wrap": True,
                     "fontType": "Monospace", "isSubtle": True})
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    if link := safe_link(alert):
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Open dashboard", "url": link}]
    return {"type": "message", "attachments": [
        {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}]}


def plain_json(alert: Alert) -> dict[str, Any]:
    return {"source": "pilotwatch", "type": "alert", "alert": as_record(alert)}


PAYLOADS = {"slack": slack, "teams": teams, "json": plain_json}


def payload_bytes(fmt: str, alert: Alert | Message) -> bytes:
    """A webhook body: one alert (``pilotwatch alerts test``) or a grouped message (every run); ``< > &``
    as ``\\u`` escapes (the same JSON data) so a receiver that pastes a value into a web page cannot be
    handed live markup."""
    payload = PAYLOADS[fmt](alert) if isinstance(alert, Alert) else alert.payload(fmt)
    text = json.dumps(payload, ensure_ascii=False, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode("utf-8")

"""Everything pilotwatch writes for people shows what it quotes and runs none of it (issue 13):
analyst notes in Markdown reports, and alert texts on every channel (e-mail text and HTML, Teams,
Slack, JSON, the file line). ``query --format csv`` is covered in test_query_sandbox.py."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import alerts_fixtures
from alerts_fixtures import SmtpServer

from pilotwatch.alerts import render
from pilotwatch.alerts.channels import build_sender, deliver_channel
from pilotwatch.alerts.config import AlertsConfig
from pilotwatch.alerts.render import Alert
from pilotwatch.cli import main

smtp = alerts_fixtures.smtp

HOSTILE = ("<script>alert(1)</script> <img src=x onerror=alert(2)> [click me](javascript:alert(3)) "
           "<javascript:alert(4)> <!channel> **loud**\nSecond line")


def test_analyst_notes_are_inert_in_markdown_reports(seeded_db: Path, tmp_path: Path) -> None:
    assert main(["note", "acsa", "structural_harmony", HOSTILE, "--author", "<b>mallory</b>"]) == 0
    assert main(["note", "acsa", "to_be", "[x](javascript:alert(5)) ![i](http://evil/x.png)"]) == 0
    out = tmp_path / "md"
    assert main(["report", "acsa", "--format", "md", "--out", str(out)]) == 0
    md = (out / "acsa.md").read_text(encoding="utf-8")
    assert "&lt;script>alert\\(1\\)&lt;/script>" in md  # shown as written…
    for live in ("<script", "<img", "<b>", "](javascript:", "<javascript:", "![i](", "<!channel>"):
        assert live not in md, live  # …never as markup or a link
    assert "*No analyst note yet*" in md  # the report's own Markdown still works
    assert main(["report", "acsa", "--out", str(out)]) == 0  # the HTML report escapes as it did
    html = (out / "acsa.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


def _alert(**kw: object) -> Alert:
    base: dict[str, object] = dict(
        alert_id=7, rule="indicator_turned_negative", severity="warning", created_at=datetime(2026, 11, 30, 12, 0),
        message=HOSTILE, dedup_key="k", body_code="acsa", subject="goal_achievement\r\nBcc: victim@example.org",
        year=2021, details={"query": "select '<script>'", "dashboard": "javascript:alert(6)"},
    )
    base.update(kw)
    return Alert(**base)  # type: ignore[arg-type]


def test_email_html_escapes_and_drops_a_non_http_link() -> None:
    page = render.html_body(_alert())
    assert "<script" not in page and "<img" not in page and "javascript:alert(6)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    good = render.html_body(_alert(details={"dashboard": "https://bi.example.org/d/1"}))
    assert 'href="https://bi.example.org/d/1"' in good


def test_slack_escapes_control_characters_and_links() -> None:
    payload = json.loads(render.payload_bytes("slack", _alert()))
    texts = json.dumps(payload)
    assert "<!channel>" not in texts and "<script" not in texts and "<javascript:" not in texts
    assert "&lt;!channel&gt;" in payload["blocks"][1]["text"]["text"]
    assert "javascript:alert(6)" not in texts  # the dashboard link is dropped, not linked


def test_teams_cards_show_markdown_as_text() -> None:
    card = json.loads(render.payload_bytes("teams", _alert()))["attachments"][0]["content"]
    message = card["body"][1]["text"]
    assert "\\[click me\\]\\(javascript:alert\\(3\\)\\)" in message and "](javascript:" not in message
    assert "\\*\\*loud\\*\\*" in message
    assert "actions" not in card  # no Action.OpenUrl to javascript:
    good = json.loads(render.payload_bytes("teams", _alert(details={"dashboard": "https://bi.example.org/d/1"})))
    assert good["attachments"][0]["content"]["actions"][0]["url"] == "https://bi.example.org/d/1"


def test_json_payloads_carry_the_text_exactly_but_no_raw_markup() -> None:
    raw = render.payload_bytes("json", _alert())
    assert b"<" not in raw and b">" not in raw and b"&" not in raw
    assert json.loads(raw)["alert"]["message"] == HOSTILE  # the same data for any JSON reader


def test_the_file_line_is_one_line() -> None:
    assert "\n" not in render.line(_alert()) and "\r" not in render.line(_alert())


def test_email_subject_cannot_gain_headers(smtp: SmtpServer) -> None:
    cfg = AlertsConfig.model_validate({
        "channels": {"mail": {"type": "email", "host": "127.0.0.1", "port": smtp.port, "security": "none",
                              "from": "pilotwatch@example.org", "to": ["a@example.org"], "timeout_s": 5}},
        "delivery": {"attempts": 1, "backoff_s": 0.01, "backoff_factor": 2, "max_backoff_s": 0.05}})
    res = deliver_channel(build_sender("mail", cfg), [_alert()], cfg.retry_for("mail"))
    assert res.delivered == [7], res
    (msg,) = smtp.received()
    assert msg["Bcc"] is None and "Bcc: victim@example.org" in msg["Subject"]
    assert "<script>alert(1)</script>" in msg.get_body(("plain",)).get_content()  # plain text: as written
    assert "<script>" not in msg.get_body(("html",)).get_content()

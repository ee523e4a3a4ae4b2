"""Channels against a real HTTP receiver and a real SMTP server on 127.0.0.1, with failure injection."""

from __future__ import annotations

import logging
import time
from datetime import datetime
from pathlib import Path

import alerts_fixtures
import pytest
from alerts_fixtures import SmtpServer, WebhookReceiver, dead_port

from pilotwatch.alerts.channels import backoff_delays, build_sender, deliver_all, deliver_channel
from pilotwatch.alerts.config import AlertsConfig, Retry
from pilotwatch.alerts.render import Alert
from pilotwatch.alerts.secrets import REDACTOR, SecretMissing

webhook = alerts_fixtures.webhook
smtp = alerts_fixtures.smtp

TOKEN = "T0K3N-s3cr3t-xyzzy"  # what a Slack/Teams URL carries in its path
PASSWORD = "pa55-w0rd-s3cr3t"
FAST = {"attempts": 3, "backoff_s": 0.01, "backoff_factor": 2, "max_backoff_s": 0.05}


def alert(n: int = 1, **kw: object) -> Alert:
    base = dict(
        alert_id=n, rule="indicator_turned_negative", severity="warning", created_at=datetime(2026, 11, 26, 12, 0),
        message="Agency for Civil Service Affairs (acsa): Goal achievement (Strategy) fell from 95.5 % in 2020 "
                "to 93 % in 2021 (-2.5 pp, -2.6 %); higher is better. Look: mart.indicator_values where "
                "body_code = 'acsa' and indicator = 'goal_achievement'.",
        dedup_key=f"indicator_turned_negative|acsa|goal_achievement|{2020 + n}", body_code="acsa",
        factor="Strategy", indicator="goal_achievement", subject="goal_achievement", year=2020 + n,
        previous_value=95.5, value=93.0, details={"look": "mart.indicator_values where body_code = 'acsa'",
                                                   "query": 'pilotwatch query "select 1"'},
    )
    base.update(kw)
    return Alert(**base)  # type: ignore[arg-type]


def config(channels: dict) -> AlertsConfig:
    return AlertsConfig.model_validate({"channels": channels, "delivery": FAST})


def hook(monkeypatch: pytest.MonkeyPatch, url: str, fmt: str = "json", env: str = "TEST_HOOK_URL",
         **kw: object) -> AlertsConfig:
    monkeypatch.setenv(env, url)
    return config({"hook": {"type": "webhook", "format": fmt, "url_env": env, "timeout_s": 2, **kw}})


# ---------------------------------------------------------------- webhook payloads


@pytest.mark.parametrize("fmt", ["slack", "teams", "json"])
def test_webhook_payload_shapes(webhook: WebhookReceiver, monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    cfg = hook(monkeypatch, webhook.url(f"/hooks/{TOKEN}"), fmt)
    res = deliver_channel(build_sender("hook", cfg), [alert()], cfg.retry_for("hook"))
    assert res.delivered == [1] and res.attempts[0].detail == "HTTP 200"
    (post,) = webhook.posts()
    assert post.headers["X-Pilotwatch-Alert-Id"] == "1"
    assert post.headers["X-Pilotwatch-Dedup-Key"] == "indicator_turned_negative|acsa|goal_achievement|2021"
    body = post.json
    if fmt == "slack":
        assert body["text"].startswith(":warning: WARNING: indicator turned negative")
        assert [b["type"] for b in body["blocks"]][:3] == ["header", "section", "context"]
        assert "fell from 95.5 % in 2020 to 93 % in 2021" in body["blocks"][1]["text"]["text"]
    elif fmt == "teams":
        assert body["type"] == "message"
        (att,) = body["attachments"]
        assert att["contentType"] == "application/vnd.microsoft.card.adaptive"
        card = att["content"]
        assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
        facts = {f["title"]: f["value"] for f in card["body"][2]["facts"]}
        assert facts["Previous"] == "95.5" and facts["Now"] == "93.0" and facts["Year"] == "2021"
    else:
        a = body["alert"]
        assert body["source"] == "pilotwatch" and body["type"] == "alert"
        assert {k: a[k] for k in ("alert_id", "rule", "body_code", "factor", "indicator", "year", "previous_value",
                                  "value", "severity")} == {
            "alert_id": 1, "rule": "indicator_turned_negative", "body_code": "acsa", "factor": "Strategy",
            "indicator": "goal_achievement", "year": 2021, "previous_value": 95.5, "value": 93.0,
            "severity": "warning"}
        assert a["look"].startswith("mart.indicator_values") and a["created_at"] == "2026-11-26T12:00:00"


# ---------------------------------------------------------------- failures, retries, backoff


def test_500_is_retried_with_backoff_then_delivered(webhook: WebhookReceiver, monkeypatch: pytest.MonkeyPatch) -> None:
    webhook.fail("/h", [500, 503, 200])
    cfg = hook(monkeypatch, webhook.url("/h"))
    waits: list[float] = []
    res = deliver_channel(build_sender("hook", cfg), [alert()], cfg.retry_for("hook"), sleep=waits.append)
    assert [(a.ok, a.detail.split(":")[0]) for a in res.attempts] == [(False, "HTTP 500"), (False, "HTTP 503"),
                                                                      (True, "HTTP 200")]
    assert res.delivered == [1] and waits == [0.01, 0.02]
    assert len(webhook.posts("/h", accepted=False)) == 3 and len(webhook.posts("/h")) == 1


def test_persistent_500_fails_and_defers_the_rest(webhook: WebhookReceiver, monkeypatch: pytest.MonkeyPatch) -> None:
    webhook.fail("/h", [500])
    cfg = hook(monkeypatch, webhook.url("/h"))
    res = deliver_channel(build_sender("hook", cfg), [alert(1), alert(2), alert(3)], cfg.retry_for("hook"),
                          sleep=lambda s: None)
    assert len(res.attempts) == 3 and not any(a.ok for a in res.attempts)
    assert res.failed == {1: "HTTP 500: error 500"}
    assert set(res.deferred) == {2, 3} and "deferred to the next run" in res.deferred[2]
    assert len(webhook.posts("/h", accepted=False)) == 3  # a dead endpoint is not hammered for every alert


@pytest.mark.parametrize(("status", "tries"), [(404, 1), (400, 1), (403, 1), (429, 3), (408, 3)])
def test_client_errors_are_not_retried(webhook: WebhookReceiver, monkeypatch: pytest.MonkeyPatch, status: int,
                                       tries: int) -> None:
    webhook.fail("/h", [status])
    cfg = hook(monkeypatch, webhook.url("/h"))
    res = deliver_channel(build_sender("hook", cfg), [alert()], cfg.retry_for("hook"), sleep=lambda s: None)
    assert len(res.attempts) == tries and res.failed


def test_timeout(webhook: WebhookReceiver, monkeypatch: pytest.MonkeyPatch) -> None:
    webhook.fail("/slow", [("sleep", 3.0)])
    cfg = hook(monkeypatch, webhook.url("/slow"), timeout_s=0.3, retry={"attempts": 2, "backoff_s": 0})
    t0 = time.monotonic()
    res = deliver_channel(build_sender("hook", cfg), [alert()], cfg.retry_for("hook"))
    assert time.monotonic() - t0 < 2.5
    assert [a.detail for a in res.attempts] == ["timed out after 0.3 s"] * 2 and res.failed


def test_connection_refused_never_shows_the_url_secret(monkeypatch: pytest.MonkeyPatch,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    cfg = hook(monkeypatch, f"http://127.0.0.1:{dead_port()}/hooks/{TOKEN}")
    res = deliver_channel(build_sender("hook", cfg), [alert()], cfg.retry_for("hook"), sleep=lambda s: None)
    assert len(res.attempts) == 3
    err = res.failed[1]
    assert err.startswith("cannot connect:") and "Connection refused" in err
    assert TOKEN not in err and "***" in err
    assert TOKEN not in caplog.text
    assert "cannot connect" in caplog.text  # the failure itself is logged, redacted


def test_a_failing_channel_does_not_block_the_others(webhook: WebhookReceiver, monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    webhook.fail("/slow", [("sleep", 3.0)])
    monkeypatch.setenv("SLOW_URL", webhook.url("/slow"))
    monkeypatch.setenv("DEAD_URL", f"http://127.0.0.1:{dead_port()}/x")
    monkeypatch.setenv("GOOD_URL", webhook.url("/good"))
    cfg = config({
        "slow": {"type": "webhook", "url_env": "SLOW_URL", "timeout_s": 1.0},
        "dead": {"type": "webhook", "url_env": "DEAD_URL"},
        "good": {"type": "webhook", "url_env": "GOOD_URL"},
        "file": {"type": "file", "path": str(tmp_path / "alerts.log")},
    })
    senders = {n: build_sender(n, cfg) for n in cfg.channels}
    alerts = [alert(1), alert(2)]
    t0 = time.monotonic()
    results = {r.channel: r for r in deliver_all({n: alerts for n in senders}, senders, cfg)}
    assert results["good"].delivered == [1, 2] and results["file"].delivered == [1, 2]
    assert results["dead"].failed and results["slow"].failed
    good_done = max(a.finished_at for a in results["good"].attempts)
    slow_done = max(a.finished_at for a in results["slow"].attempts)
    assert good_done < slow_done  # the good channel did not wait for the slow one
    assert time.monotonic() - t0 < 6
    assert (tmp_path / "alerts.log").read_text().count("indicator_turned_negative #") == 2


def test_backoff_grows_and_is_capped() -> None:
    assert backoff_delays(Retry(attempts=5, backoff_s=1, backoff_factor=3, max_backoff_s=10)) == [1, 3, 9, 10]


def test_missing_secret_names_the_reference_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOT_SET_URL", raising=False)
    cfg = config({"hook": {"type": "webhook", "url_env": "NOT_SET_URL"}})
    with pytest.raises(SecretMissing, match="environment variable NOT_SET_URL is not set"):
        build_sender("hook", cfg)


# ---------------------------------------------------------------- email


def mail(monkeypatch: pytest.MonkeyPatch, port: int, **kw: object) -> AlertsConfig:
    return config({"mail": {"type": "email", "host": "127.0.0.1", "port": port, "security": "none",
                            "from": "pilotwatch@example.org", "to": ["a@example.org", "b@example.org"],
                            "timeout_s": 5, **kw}})


def test_email_has_text_and_html_parts(smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = mail(monkeypatch, smtp.port)
    res = deliver_channel(build_sender("mail", cfg), [alert(message="<b>not html</b> & more")], cfg.retry_for("mail"))
    assert res.delivered == [1] and res.attempts[0].detail == "sent to 2 recipient(s)"
    (msg,) = smtp.received()
    assert msg["Subject"] == "[pilotwatch] WARNING: indicator turned negative — acsa · goal_achievement · 2021"
    assert msg["To"] == "a@example.org, b@example.org" and msg["X-Pilotwatch-Alert-Id"] == "1"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "<b>not html</b> & more" in text
    assert "&lt;b&gt;not html&lt;/b&gt; &amp; more" in html and "<b>not html</b>" not in html
    assert "Previous:  95.5" in text and 'pilotwatch query "select 1"' in text


def test_email_starttls_and_auth(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server = SmtpServer(user="pilotwatch", password=PASSWORD, tls_dir=tmp_path)
    try:
        monkeypatch.setenv("TEST_SMTP_PASSWORD", PASSWORD)
        cfg = mail(monkeypatch, server.port, security="starttls", ca_file=str(server.ca_file),
                   username="pilotwatch", password_env="TEST_SMTP_PASSWORD")
        res = deliver_channel(build_sender("mail", cfg), [alert()], cfg.retry_for("mail"))
        assert res.delivered == [1], res.failed
        assert len(server.received()) == 1
    finally:
        server.stop()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_auth_failure_is_not_retried_and_hides_the_password(monkeypatch: pytest.MonkeyPatch,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    server = SmtpServer(user="pilotwatch", password="the-right-one")
    try:
        monkeypatch.setenv("TEST_SMTP_PASSWORD", PASSWORD)
        cfg = mail(monkeypatch, server.port, username="pilotwatch", password_env="TEST_SMTP_PASSWORD")
        res = deliver_channel(build_sender("mail", cfg), [alert(1), alert(2)], cfg.retry_for("mail"))
        assert [a.detail for a in res.attempts] == ["SMTP authentication failed (535)"]
        assert set(res.deferred) == {2} and server.received() == []
        assert PASSWORD not in caplog.text and PASSWORD not in REDACTOR(repr(build_sender("mail", cfg)))
    finally:
        server.stop()


def test_smtp_connection_refused_is_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = mail(monkeypatch, dead_port())
    res = deliver_channel(build_sender("mail", cfg), [alert()], cfg.retry_for("mail"), sleep=lambda s: None)
    assert len(res.attempts) == 3
    assert res.failed[1].startswith("cannot reach 127.0.0.1:")


def test_stdout_channel(capsys: pytest.CaptureFixture[str]) -> None:
    cfg = config({"out": {"type": "file", "path": "-", "format": "jsonl"}})
    res = deliver_channel(build_sender("out", cfg), [alert()], cfg.retry_for("out"))
    assert res.delivered == [1]
    assert '"dedup_key": "indicator_turned_negative|acsa|goal_achievement|2021"' in capsys.readouterr().out

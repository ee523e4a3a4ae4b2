"""Alerts a person can act on, end to end: grouping, digests, owners, acknowledge, snooze and silence.

The warehouse is the one `make run` leaves; ACSA 2021 arrives with a decline (five alerts: see
tests/alerts/test_alerts_monitor.py); deliveries go to a real webhook receiver and a real SMTP server.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import alerts_fixtures
import pytest
import yaml
from alerts_fixtures import SmtpServer, WebhookReceiver, dead_port
from test_alerts_monitor import (
    EXPECTED,
    HOOK_ENV,
    TOKEN,
    after_make_run,
    keys,
    load_2021,
    monitoring_yaml,
    rows,
)

from pilotwatch.alerts import messages
from pilotwatch.alerts.engine import today

webhook = alerts_fixtures.webhook
smtp = alerts_fixtures.smtp
__all__ = ["after_make_run"]  # a fixture, used by name


def config(tmp_path: Path, smtp_port: int, channels: dict | None = None, **extra: object) -> Path:
    """The monitor test's config, with owners and per-channel settings (language, digest)."""
    p = monitoring_yaml(tmp_path, smtp_port)
    doc = yaml.safe_load(p.read_text())
    for name, settings in (channels or {}).items():
        doc["channels"][name].update(settings)
    doc["owners"] = [{"body": "acsa", "name": "Aigerim Sadykova", "contact": "a.sadykova@example.org"},
                     {"body": "acsa", "rule": "behind_target", "name": "Planning unit"}]
    doc.update(extra)
    p.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    return p


def setup(monkeypatch: pytest.MonkeyPatch, path: Path, url: str) -> None:
    monkeypatch.setenv("PILOTWATCH_MONITORING", str(path))
    monkeypatch.setenv(HOOK_ENV, url)


def test_one_message_per_body_per_channel(
    after_make_run: Path, tmp_path: Path, webhook: WebhookReceiver, smtp: SmtpServer,
    monkeypatch: pytest.MonkeyPatch, prefect_server: None,
) -> None:
    from flows.alerts import monitor

    setup(monkeypatch, config(tmp_path, smtp.port, {"team-mail": {"language": "ru"}}), webhook.url(f"/hooks/{TOKEN}"))
    load_2021(tmp_path)
    result = monitor()
    assert keys(result) == EXPECTED
    # five alerts, three channels: one message each; fifteen deliveries recorded, one per alert and channel
    assert result["messages"] == 3 and result["delivered"] == 15 and result["undelivered"] == 0
    (post,) = webhook.posts()
    (mail,) = smtp.received()
    assert post.headers["X-Pilotwatch-Dedup-Key"] == mail["X-Pilotwatch-Dedup-Key"] == messages.group_key(EXPECTED)
    doc = post.json
    assert sorted(a["dedup_key"] for a in doc["alerts"]) == EXPECTED
    assert doc["title"].startswith("Critical: Agency for Civil Service Affairs — ")
    assert "Goal achievement" in doc["title"] and "Organization turned negative" in doc["title"]
    assert "_" not in doc["title"]
    text = doc["text"].splitlines()
    # "fell" and "behind target" for the same indicator-year: one line
    assert ("• Goal achievement fell from 95.5 % in 2020 to 93 % in 2021 (−2.5 points, −2.6 %); below its 2021 "
            "target of 95.6 % by 2.6 points.") in text
    assert sum(1 for x in text if x.startswith("• ")) == 3
    (owner,) = [x for x in text if x.startswith("Owner: ")]
    assert sorted(owner.removeprefix("Owner: ").split("; ")) == ["Aigerim Sadykova (a.sadykova@example.org)",
                                                                 "Planning unit"]
    report = next(x for x in text if x.startswith("Report: "))
    assert report.endswith(str(Path("reports") / "acsa.html"))
    # the email is in Russian, as its channel asks
    assert mail["Subject"].startswith("[pilotwatch] Критично: Агентство Республики Казахстан по делам "
                                      "государственной службы")
    assert "Достижение целей: снижение с 95,5 % в 2020 г. до 93 % в 2021 г." in mail.get_body(("plain",)).get_content()
    assert rows(after_make_run, "select channel, status, count(*) from mart.alert_deliveries "
                                "where year = 2021 and body_code = 'acsa' and rule <> 'stale_data' "
                                "group by all order by 1") == [
        ("ops-log", "delivered", 5), ("team-hook", "delivered", 5), ("team-mail", "delivered", 5)]
    assert monitor()["messages"] == 0 and len(webhook.posts()) == 1  # nothing twice


def test_daily_and_weekly_digests_are_sent_once_when_due(
    after_make_run: Path, tmp_path: Path, webhook: WebhookReceiver, smtp: SmtpServer,
    monkeypatch: pytest.MonkeyPatch, prefect_server: None,
) -> None:
    from flows.alerts import monitor

    path = config(tmp_path, smtp.port, {"team-hook": {"digest": "daily"}, "team-mail": {"digest": "weekly"}})
    setup(monkeypatch, path, webhook.url(f"/hooks/{TOKEN}"))
    load_2021(tmp_path)
    wednesday = date(2026, 11, 25)
    first = monitor(as_of=wednesday)
    assert keys(first) == EXPECTED and first["messages"] == 1  # only the immediate ops-log
    assert webhook.posts() == [] and smtp.received() == []
    assert rows(after_make_run, "select channel, due_on, count(*) from mart.alert_deliveries where status = 'pending' "
                                "group by all order by 1") == [
        ("team-hook", date(2026, 11, 26), 5), ("team-mail", date(2026, 11, 30), 5)]
    assert first["undelivered"] == 10
    assert monitor(as_of=wednesday)["messages"] == 0  # not due yet, however often the monitor runs

    monitor(as_of=date(2026, 11, 26))  # Thursday: the daily digest
    (post,) = webhook.posts()
    assert post.json["type"] == "alert_digest" and post.json["digest"] == "daily"
    assert post.json["title"].startswith("Critical: pilotwatch daily digest — 5 alert(s) for Agency for Civil "
                                         "Service Affairs")
    assert post.headers["X-Pilotwatch-Dedup-Key"] == messages.group_key(EXPECTED)
    assert smtp.received() == []
    monitor(as_of=date(2026, 11, 29))  # Sunday: still nothing weekly
    assert smtp.received() == [] and len(webhook.posts()) == 1

    last = monitor(as_of=date(2026, 11, 30))  # Monday: the weekly digest, exactly once
    (mail,) = smtp.received()
    assert "weekly digest" in mail["Subject"] and last["undelivered"] == 0
    assert monitor(as_of=date(2026, 12, 7))["messages"] == 0
    assert len(smtp.received()) == 1 and len(webhook.posts()) == 1


def test_snooze_and_silence_are_honoured_by_later_runs(
    after_make_run: Path, tmp_path: Path, webhook: WebhookReceiver, smtp: SmtpServer,
    monkeypatch: pytest.MonkeyPatch, prefect_server: None, capsys: pytest.CaptureFixture[str],
) -> None:
    from flows.alerts import monitor
    from pilotwatch.cli import main

    setup(monkeypatch, config(tmp_path, smtp.port), webhook.url(f"/hooks/{TOKEN}"))
    until = today() + timedelta(days=30)
    assert main(["alerts", "snooze", "--body", "acsa", "--until", until.isoformat(), "--note", "audit under way",
                 "--by", "tester"]) == 0
    assert main(["alerts", "silence", "--body", "acsa", "--rule", "behind_target", "--by", "tester"]) == 0
    assert "snooze #1" in capsys.readouterr().out
    load_2021(tmp_path)
    held = monitor()
    assert keys(held) == EXPECTED  # recorded ...
    assert held["messages"] == 0 and webhook.posts() == [] and smtp.received() == []  # ... not sent
    assert held["undelivered"] == 0
    got = rows(after_make_run, "select distinct status, last_error from mart.alert_deliveries "
                               "where year = 2021 and body_code = 'acsa' and rule <> 'stale_data'")
    assert got == [("suppressed", f"snooze #1 until {until.isoformat()}: audit under way")]
    assert main(["alerts", "--body", "acsa"]) == 0
    out = capsys.readouterr().out
    assert f"held: snooze #1 acsa every rule until {until.isoformat()} — audit under way" in out
    assert "held: silence #2 acsa behind_target" in out

    # the snooze is lifted; the silence of behind_target stays: a corrected value re-fires two alerts,
    # only the indicator one is sent
    assert main(["alerts", "unsilence", "--body", "acsa", "--rule", "nope"]) == 2
    assert main(["alerts", "snooze", "--body", "acsa", "--until", "2020-01-01"]) == 2  # not in the future
    load_2021(tmp_path, goal=92.0)
    again = monitor(as_of=until)  # the day the snooze runs out
    assert sorted(a["rule"] for a in again["alerts"]) == ["behind_target", "indicator_turned_negative"]
    (post,) = webhook.posts()
    assert [a["rule"] for a in post.json["alerts"]] == ["indicator_turned_negative"]
    assert rows(after_make_run, "select a.rule, d.status, d.last_error from mart.alert_deliveries d join mart.alerts a "
                                "using (alert_id) where channel = 'team-hook' and a.value = 92 order by 1") == [
        ("behind_target", "suppressed", "silence #2"), ("indicator_turned_negative", "delivered", None)]
    capsys.readouterr()
    assert main(["alerts", "unsilence", "--body", "acsa", "--rule", "behind_target"]) == 0
    assert "lifted #2" in capsys.readouterr().out
    # by the calendar the snooze still runs (it was judged on a later monitor date above)
    assert rows(after_make_run, "select kind from mart.alert_mutes where active") == [("snooze",)]


def test_an_acknowledged_alert_is_not_resent(
    after_make_run: Path, tmp_path: Path, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch, prefect_server: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from flows.alerts import monitor
    from pilotwatch.cli import main

    port = dead_port()
    setup(monkeypatch, config(tmp_path, smtp.port), f"http://127.0.0.1:{port}/hooks/{TOKEN}")
    load_2021(tmp_path)
    first = monitor()
    assert first["undelivered"] == 5 and len(smtp.received()) == 1  # the webhook is down
    flip = next(int(str(a["alert_id"])) for a in first["alerts"] if a["rule"] == "factor_flipped")
    assert main(["alerts", "ack", str(flip), "--note", "known: the 2017 base year", "--by", "tester"]) == 0
    assert main(["alerts", "ack", "999999"]) == 1
    capsys.readouterr()
    assert main(["alerts", "--rule", "factor_flipped"]) == 0
    assert "acknowledged by tester" in capsys.readouterr().out

    receiver = WebhookReceiver(port=port)  # the channel comes back: the four others arrive, in one message
    try:
        second = monitor()
        (post,) = receiver.posts()
        assert sorted(a["dedup_key"] for a in post.json["alerts"]) == [k for k in EXPECTED
                                                                     if not k.startswith("factor_flipped")]
        assert second["undelivered"] == 0
        assert rows(after_make_run, "select status, last_error from mart.alert_deliveries "
                                    "where alert_id = ? and channel = 'team-hook'", [flip]) == [
            ("suppressed", "acknowledged by tester: known: the 2017 base year")]
        assert monitor()["messages"] == 0 and len(receiver.posts()) == 1
    finally:
        receiver.stop()

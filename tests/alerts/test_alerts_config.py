"""The monitoring config is strict: typos, unknown bodies and secrets written as values all fail loudly."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from pilotwatch.alerts.config import DEFAULT_ALERTS_CONFIG, AlertsConfigError, load_config

BASE = {
    "version": 1,
    "channels": {
        "hook": {"type": "webhook", "format": "slack", "url_env": "TEAM_HOOK_URL"},
        "mail": {"type": "email", "host": "127.0.0.1", "port": 2525, "security": "none",
                 "from": "pw@example.org", "to": ["team@example.org"]},
        "out": {"type": "file", "path": "-"},
    },
    "subscriptions": [{"team": "t", "channels": ["hook", "mail"], "bodies": ["acsa"], "factors": ["Strategy"],
                       "severities": ["critical"]}],
}


def write(tmp_path: Path, doc: dict) -> Path:
    p = tmp_path / "monitoring.yaml"
    p.write_text(yaml.safe_dump(doc, sort_keys=False))
    return p


def with_(path: tuple, value: object) -> dict:
    doc = yaml.safe_load(yaml.safe_dump(BASE))
    node = doc
    for k in path[:-1]:
        node = node.setdefault(k, {}) if isinstance(k, str) else node[k]
    node[path[-1]] = value
    return doc


def test_bundled_config_loads_and_routes() -> None:
    cfg = load_config(DEFAULT_ALERTS_CONFIG)
    assert cfg.rules.factor_flipped.analysis_rule == "endpoint"
    assert cfg.channels["monitoring-webhook"].optional
    # the operations log hears everything; the pilot team only warnings and worse for its two bodies
    assert cfg.routes("stale_data", "acsa", None, "warning") == {
        "log": ["Operations log"], "monitoring-webhook": ["Pilot monitoring (ACSA, Astana)"],
        "monitoring-email": ["Pilot monitoring (ACSA, Astana)"]}
    assert cfg.routes("indicator_turned_negative", "mangystau", "Strategy", "critical") == {"log": ["Operations log"]}
    assert set(cfg.routes("indicator_turned_negative", "acsa", "Strategy", "info")) == {"log"}
    due = dict(cfg.rules.stale_data.expected[0].due())
    assert due[2021] == date(2022, 6, 30) and due[2024] == date(2025, 6, 30)


def test_subscription_filters(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, BASE))
    assert set(cfg.routes("factor_flipped", "acsa", "Strategy", "critical")) == {"hook", "mail"}
    assert cfg.routes("factor_flipped", "acsa", "Leadership", "critical") == {}
    assert cfg.routes("factor_flipped", "astana", "Strategy", "critical") == {}
    assert cfg.routes("factor_flipped", "acsa", "Strategy", "warning") == {}
    # alerts about no body (stale data) or no factor (verdicts) pass those filters
    assert set(cfg.routes("stale_data", None, None, "critical")) == {"hook", "mail"}


@pytest.mark.parametrize(
    ("path", "value", "fragment"),
    [
        (("rules", "indicator_turned_negative", "relativ_floor"), 0.1, "relativ_floor"),
        (("rules", "stale_data", "expected"), [{"dataset": "payroll", "years": "2021-2022", "by": "2022-06-30"}],
         "'by' fits one year"),
        (("channels", "hook", "url"), "https://hooks.slack.com/services/T0/B0/xyz", "url"),  # a secret as a value
        (("channels", "hook", "url_env"), "https://hooks.slack.com/services/T0/B0/xyz", "url_env"),
        (("channels", "hook", "url_env"), None, "needs url_env"),
        (("channels", "mail", "password"), "hunter2", "password"),
        (("channels", "mail", "password_env"), "SMTP_PASSWORD", "needs a username"),
        (("channels", "mail", "password_secret"), "Not A Block Name!", "password_secret"),
        (("channels", "mail", "to"), ["not-an-address"], "to"),
        (("channels", "out", "type"), "pager", "type"),
        (("subscriptions", 0, "channels"), ["hook", "sms"], "unknown channel"),
        (("subscriptions", 0, "bodies"), ["acsaa"], "unknown body 'acsaa'"),
        (("subscriptions", 0, "factors"), ["Stratgy"], "unknown factor 'Stratgy'"),
        (("subscriptions", 0, "severities"), ["urgent"], "severities"),
        (("delivery", "attempts"), 0, "attempts"),
        (("version",), 2, "version"),
        (("channels", "hook", "language"), "de", "language"),
        (("channels", "mail", "digest"), "hourly", "digest"),
        (("channels", "mail", "digest_day"), "monday", "digest_day"),  # not a key
        (("owners",), [{"body": "acsaa", "name": "Aigerim"}], "owners: unknown body 'acsaa'"),
        (("owners",), [{"body": "acsa", "rule": "factor_flip", "name": "Aigerim"}], "rule"),
        (("owners",), [{"body": "acsa", "name": "Aigerim", "email": "a@example.org"}], "email"),
        (("owners",), [{"body": "acsa"}], "name"),
    ],
)
def test_bad_config_is_rejected_naming_the_key(tmp_path: Path, path: tuple, value: object, fragment: str) -> None:
    p = write(tmp_path, with_(path, value))
    with pytest.raises(AlertsConfigError) as exc:
        load_config(p)
    assert str(p) in str(exc.value)
    assert fragment in str(exc.value)


def test_owner_the_most_specific_entry_wins(tmp_path: Path) -> None:
    doc = dict(BASE, owners=[{"name": "Duty analyst"}, {"rule": "stale_data", "name": "Data desk"},
                             {"body": "acsa", "name": "Aigerim", "contact": "aigerim@example.org"},
                             {"body": "acsa", "rule": "behind_target", "name": "Planning unit"}])
    cfg = load_config(write(tmp_path, doc))
    owner = {(b, r): o.label() for b in ("acsa", "astana", None)
             for r in ("behind_target", "stale_data", "factor_flipped") if (o := cfg.owner_for(b, r))}
    assert owner == {
        ("acsa", "behind_target"): "Planning unit", ("acsa", "stale_data"): "Aigerim (aigerim@example.org)",
        ("acsa", "factor_flipped"): "Aigerim (aigerim@example.org)", ("astana", "behind_target"): "Duty analyst",
        ("astana", "stale_data"): "Data desk", ("astana", "factor_flipped"): "Duty analyst",
        (None, "behind_target"): "Duty analyst", (None, "stale_data"): "Data desk",
        (None, "factor_flipped"): "Duty analyst"}
    assert load_config(write(tmp_path, BASE)).owner_for("acsa", "stale_data") is None


def test_environment_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = write(tmp_path, BASE)
    monkeypatch.setenv("PILOTWATCH_MONITORING", str(p))
    assert load_config().source == str(p)
    monkeypatch.setenv("PILOTWATCH_MONITORING", str(tmp_path / "missing.yaml"))
    with pytest.raises(AlertsConfigError, match="cannot read"):
        load_config()

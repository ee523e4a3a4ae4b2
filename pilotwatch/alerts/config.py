"""The monitoring configuration (``data/monitoring.yaml``): rules, channels, subscriptions.

Validated strictly: an unknown or misspelt key is an error, never silently ignored, and body codes
and factors are checked against the registry (``data/reference``) so a typo in a subscription does
not quietly stop a team's alerts. Secrets are never values here, only *references*: the name of an
environment variable (``*_env``) or of a Prefect ``Secret`` block (``*_secret``). A reference that
looks like a value (a URL, a password) fails validation.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

import polars as pl
import yaml
from pydantic import ConfigDict, Field, model_validator

from pilotwatch import DATA_DIR, settings
from transforms.alerts.rule_config import (  # noqa: F401  (re-exported: the rules are part of this file's schema)
    RULES,
    SEVERITIES,
    BehindTarget,
    Escalation,
    Expectation,
    FactorFlipped,
    Floors,
    IndicatorTurnedNegative,
    Rules,
    Severity,
    StaleData,
    Strict,
    VerdictChanged,
)

DEFAULT_ALERTS_CONFIG = settings.DEFAULT_ALERTS_CONFIG

#: Environment variable names: upper case, digits, underscores (a URL or a password never matches).
ENV_NAME = r"^[A-Z_][A-Z0-9_]{0,127}$"
#: Prefect block names: lower-case letters, digits and dashes.
BLOCK_NAME = r"^[a-z0-9][a-z0-9-]{0,127}$"


# ---------------------------------------------------------------- channels


class SecretRef(Strict):
    """Where a secret lives: an environment variable or a Prefect Secret block (never the value)."""

    env: str | None = Field(None, pattern=ENV_NAME)
    secret: str | None = Field(None, pattern=BLOCK_NAME)

    def describe(self) -> str:
        return f"environment variable {self.env}" if self.env else f"Prefect Secret block {self.secret!r}"


def _ref(kind: str, env: str | None, secret: str | None, required: bool) -> SecretRef | None:
    if env and secret:
        raise ValueError(f"give either {kind}_env or {kind}_secret, not both")
    if not (env or secret):
        if required:
            raise ValueError(f"needs {kind}_env (an environment variable name) or {kind}_secret (a Prefect Secret block)")
        return None
    return SecretRef(env=env, secret=secret)


class Retry(Strict):
    """Delivery retries within one run; whatever is still undelivered is retried on the next run."""

    attempts: int = Field(3, ge=1, le=10)
    backoff_s: float = Field(1.0, ge=0, le=60)
    backoff_factor: float = Field(2.0, ge=1, le=10)
    max_backoff_s: float = Field(30.0, ge=0, le=600)


class _Channel(Strict):
    #: ``true``: when the channel's secrets are not configured the channel is skipped (logged) and no
    #: deliveries are queued for it; ``false``: its deliveries are queued and fail visibly until it is.
    optional: bool = False
    retry: Retry | None = None
    timeout_s: float = Field(10.0, gt=0, le=300)
    #: The language of the messages on this channel (``en`` or ``ru``): titles, text, names.
    language: Literal["en", "ru"] = "en"
    #: ``immediate``: each run's alerts are sent at once, one message per body; ``daily`` / ``weekly``:
    #: queued and sent as one digest by the first monitor run on the next day / the next Monday.
    digest: Literal["immediate", "daily", "weekly"] = "immediate"


class WebhookChannel(_Channel):
    """An incoming webhook: Slack, Microsoft Teams (Adaptive Card) or a plain JSON POST."""

    type: Literal["webhook"]
    format: Literal["slack", "teams", "json"] = "json"
    #: The URL is a secret (Slack and Teams put the credential in it): only by reference.
    url_env: str | None = Field(None, pattern=ENV_NAME)
    url_secret: str | None = Field(None, pattern=BLOCK_NAME)

    @model_validator(mode="after")
    def _has_url(self) -> WebhookChannel:
        _ref("url", self.url_env, self.url_secret, required=True)
        return self

    @property
    def url(self) -> SecretRef:
        ref = _ref("url", self.url_env, self.url_secret, required=True)
        assert ref
        return ref

    def secret_refs(self) -> dict[str, SecretRef]:
        return {"url": self.url}


class EmailChannel(_Channel):
    """Email over SMTP; ``security``: ``starttls`` (upgrade), ``ssl`` (SMTPS) or ``none``; auth optional."""

    type: Literal["email"]
    host: str | None = None
    host_env: str | None = Field(None, pattern=ENV_NAME)
    port: int | None = Field(None, ge=1, le=65535)
    port_env: str | None = Field(None, pattern=ENV_NAME)
    security: Literal["none", "starttls", "ssl"] = "starttls"
    #: A CA bundle to verify the server's certificate with (self-signed relays); default: the system store.
    ca_file: str | None = None
    username: str | None = None
    username_env: str | None = Field(None, pattern=ENV_NAME)
    password_env: str | None = Field(None, pattern=ENV_NAME)
    password_secret: str | None = Field(None, pattern=BLOCK_NAME)
    sender: str = Field(alias="from", pattern=r"^[^@\s]+@[^@\s]+$")
    to: list[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$")]] = Field(min_length=1)
    subject_prefix: str = "[pilotwatch]"

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _check(self) -> EmailChannel:
        if (self.host is None) == (self.host_env is None):
            raise ValueError("email: give exactly one of 'host' or 'host_env'")
        if self.port is not None and self.port_env is not None:
            raise ValueError("email: give either 'port' or 'port_env', not both")
        if self.username and self.username_env:
            raise ValueError("email: give either 'username' or 'username_env', not both")
        pw = _ref("password", self.password_env, self.password_secret, required=False)
        if pw and not (self.username or self.username_env):
            raise ValueError("email: a password needs a username (or username_env)")
        return self

    def secret_refs(self) -> dict[str, SecretRef]:
        refs: dict[str, SecretRef] = {}
        if self.host_env:
            refs["host"] = SecretRef(env=self.host_env)
        if self.port_env:
            refs["port"] = SecretRef(env=self.port_env)
        if self.username_env:
            refs["username"] = SecretRef(env=self.username_env)
        pw = _ref("password", self.password_env, self.password_secret, required=False)
        if pw:
            refs["password"] = pw
        return refs

    def default_port(self) -> int:
        return {"ssl": 465, "starttls": 587}.get(self.security, 25)


class FileChannel(_Channel):
    """Lines appended to a file (relative paths: beside the warehouse) or written to stdout (``-``)."""

    type: Literal["file"]
    path: str = "-"
    format: Literal["text", "jsonl"] = "text"

    def secret_refs(self) -> dict[str, SecretRef]:
        return {}


Channel = Annotated[WebhookChannel | EmailChannel | FileChannel, Field(discriminator="type")]


# ---------------------------------------------------------------- subscriptions


class Subscription(Strict):
    """Which team gets which alerts on which channels. Empty filters mean "all"."""

    team: str = Field(min_length=1)
    channels: list[str] = Field(min_length=1)
    bodies: list[str] = Field(default_factory=list)
    factors: list[str] = Field(default_factory=list)
    severities: list[Severity] = Field(default_factory=lambda: list(SEVERITIES), min_length=1)
    rules: list[Literal["indicator_turned_negative", "factor_flipped", "verdict_changed", "behind_target",
                        "stale_data"]] = Field(default_factory=list)

    def matches(self, rule: str, body_code: str | None, factor: str | None, severity: str) -> bool:
        """Alerts that concern no body (stale data) or no factor (verdicts) pass those filters."""
        return (
            severity in self.severities
            and (not self.rules or rule in self.rules)
            and (not self.bodies or body_code is None or body_code in self.bodies)
            and (not self.factors or factor is None or factor in self.factors)
        )


class Links(Strict):
    """Optional: a dashboard URL template for "where to look" (``{body_code}``, ``{indicator}``, ``{year}``)."""

    dashboard: str | None = None
    #: Where a body's report is read (``{body_code}``), e.g. an intranet URL where ``pilotwatch report
    #: --all`` output is published; default: the file ``pilotwatch report`` writes (reports/BODY.html).
    report: str | None = None


class Owner(Strict):
    """Who acts on a body's alerts (``body: "*"`` every body, ``rule: "*"`` every rule).

    The most specific entry wins: body and rule, then body, then rule, then ``*``/``*``.
    """

    body: str = "*"
    rule: Literal["*", "indicator_turned_negative", "factor_flipped", "verdict_changed", "behind_target",
                  "stale_data"] = "*"
    name: str = Field(min_length=1)
    contact: str | None = None

    def label(self) -> str:
        return f"{self.name} ({self.contact})" if self.contact else self.name


class AlertsConfig(Strict):
    version: Literal[1] = 1
    rules: Rules = Field(default_factory=Rules)
    delivery: Retry = Field(default_factory=Retry)
    channels: dict[Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")], Channel] = Field(default_factory=dict)
    subscriptions: list[Subscription] = Field(default_factory=list)
    links: Links = Field(default_factory=Links)
    owners: list[Owner] = Field(default_factory=list)
    #: Where the file was read from (set by ``load_config``).
    source: str = ""

    @model_validator(mode="after")
    def _channels_exist(self) -> AlertsConfig:
        for s in self.subscriptions:
            unknown = [c for c in s.channels if c not in self.channels]
            if unknown:
                raise ValueError(f"subscription {s.team!r}: unknown channel(s) {unknown}; defined: {sorted(self.channels)}")
        return self

    def owner_for(self, body_code: str | None, rule: str) -> Owner | None:
        """The most specific owner entry for an alert (see :class:`Owner`), or None."""
        rank = {(True, True): 0, (True, False): 1, (False, True): 2, (False, False): 3}
        hits = [(rank[(o.body != "*", o.rule != "*")], i, o) for i, o in enumerate(self.owners)
                if o.body in ("*", body_code) and o.rule in ("*", rule)]
        return min(hits, key=lambda h: (h[0], h[1]))[2] if hits else None

    def retry_for(self, channel: str) -> Retry:
        return self.channels[channel].retry or self.delivery

    def routes(self, rule: str, body_code: str | None, factor: str | None, severity: str) -> dict[str, list[str]]:
        """channel -> teams whose subscription matches the alert (one delivery per channel)."""
        out: dict[str, list[str]] = {}
        for s in self.subscriptions:
            if s.matches(rule, body_code, factor, severity):
                for c in s.channels:
                    out.setdefault(c, [])
                    if s.team not in out[c]:
                        out[c].append(s.team)
        return out


class AlertsConfigError(ValueError):
    """The monitoring file is malformed; the message names the file and the offending key."""


def _registry_problems(cfg: AlertsConfig, reference: Path) -> list[str]:
    """Body codes, factors and indicators named in the file must exist in the registry."""
    bodies = set(pl.read_csv(reference / "bodies.csv", infer_schema_length=0)["body_code"])
    ind = pl.read_csv(reference / "indicators.csv", infer_schema_length=0)
    factors, indicators = set(ind["factor"]), set(ind["indicator"])
    problems = []
    for s in cfg.subscriptions:
        problems += [f"subscription {s.team!r}: unknown body {b!r}" for b in s.bodies if b not in bodies]
        problems += [f"subscription {s.team!r}: unknown factor {f!r} (known: {sorted(factors)})"
                     for f in s.factors if f not in factors]
    for rule in ("indicator_turned_negative", "behind_target"):
        problems += [f"rules.{rule}.overrides: unknown indicator {i!r}"
                     for i in getattr(cfg.rules, rule).overrides if i not in indicators]
    problems += [f"owners: unknown body {o.body!r}" for o in cfg.owners if o.body != "*" and o.body not in bodies]
    for e in cfg.rules.stale_data.expected:
        problems += [f"rules.stale_data.expected ({e.dataset}): unknown body {b!r}" for b in e.bodies if b not in bodies]
    return problems


def load_config(path: str | os.PathLike[str] | None = None, reference: Path | None = None) -> AlertsConfig:
    """Read and strictly validate an alerts configuration (default: ``settings.alerts_config_path``)."""
    p = settings.alerts_config_path(path)
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise AlertsConfigError(f"monitoring config {p}: cannot read: {exc}") from exc
    if not isinstance(raw, dict):
        raise AlertsConfigError(f"monitoring config {p}: expected a mapping at the top level")
    raw["source"] = str(p)
    try:
        cfg = AlertsConfig.model_validate(raw)
    except ValueError as exc:
        raise AlertsConfigError(f"monitoring config {p}: {exc}") from exc
    problems = _registry_problems(cfg, reference or DATA_DIR / "reference")
    if problems:
        raise AlertsConfigError(f"monitoring config {p}: " + "; ".join(problems))
    return cfg

"""What every alert rule produces and what the decision remembers: the observation and state frames,
and the keys an alert is identified by (state key, dedup key, correction key).
"""

from __future__ import annotations

import hashlib
from typing import Any

import polars as pl

OBSERVATION_SCHEMA: dict[str, Any] = {
    "state_key": pl.String,
    "transition": pl.Boolean,
    "observed": pl.String,
    "rule": pl.String,
    "body_code": pl.String,
    "factor": pl.String,
    "indicator": pl.String,
    "subject": pl.String,
    "year": pl.Int32,
    "previous_value": pl.Float64,
    "value": pl.Float64,
    "previous_label": pl.String,
    "value_label": pl.String,
    "firing": pl.Boolean,
    "severity": pl.String,
    "fingerprint": pl.String,
    "message": pl.String,
    "details": pl.String,
}
STATE_SCHEMA: dict[str, Any] = {
    "state_key": pl.String,
    "rule": pl.String,
    "observed": pl.String,
    "firing": pl.Boolean,
    "fingerprint": pl.String,
}


def empty_observations() -> pl.DataFrame:
    return pl.DataFrame(schema=OBSERVATION_SCHEMA)


def empty_state() -> pl.DataFrame:
    return pl.DataFrame(schema=STATE_SCHEMA)


def compose_key(*parts: object) -> str:
    return "|".join("-" if p is None else str(p) for p in parts)


def dedup_key(rule: str, body_code: str | None, subject: str, year: int | None) -> str:
    """The identity an alert fires once for: (rule, body, indicator or factor, year)."""
    return compose_key(rule, body_code, subject, year)


def correction_key(key: str, fingerprint: str | None) -> str:
    """The idempotency key of an alert that corrects the one sent under ``key``: one per set of values."""
    digest = hashlib.sha256((fingerprint or "").encode("utf-8")).hexdigest()[:12]
    return f"{key}|correction-{digest}"

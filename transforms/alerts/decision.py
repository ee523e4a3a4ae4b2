"""Which observations fire: level rules fire when they start firing or their values change (a
correction), transition rules when the state they watch moves; and the state to remember.
"""

from __future__ import annotations

import polars as pl

from transforms.alerts.observations import OBSERVATION_SCHEMA, correction_key, dedup_key


def decide(observations: pl.DataFrame, state: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Which observations fire, and the state to remember.

    Returns ``(fired, new_state)``: ``fired`` has the observation columns plus ``dedup_key``;
    ``new_state`` has one row per observed ``state_key`` (to upsert; keys not observed this time
    keep their old state). ``fingerprint`` in the state is that of the last alert sent.
    """
    obs = observations.unique("state_key", keep="last", maintain_order=True)
    prev = state.select(
        "state_key",
        pl.col("observed").alias("prev_observed"),
        pl.col("firing").alias("prev_firing"),
        pl.col("fingerprint").alias("prev_fingerprint"),
    )
    j = obs.join(prev, on="state_key", how="left")
    seen = pl.col("prev_firing").is_not_null()
    changed = (pl.col("prev_fingerprint") != pl.col("fingerprint")).fill_null(True)
    level = ~pl.col("transition") & (~seen | ~pl.col("prev_firing").fill_null(False) | changed)
    transition = pl.col("transition") & seen & ~pl.col("prev_firing").fill_null(True)
    j = j.with_columns(fires=(pl.col("firing") & (level | transition)).fill_null(False))
    fired = j.filter(pl.col("fires")).with_columns(
        previous_label=pl.when(pl.col("transition")).then(pl.col("prev_observed")).otherwise(pl.col("previous_label")),
    )
    # A level alert that already fired and fires again with other values (a corrected or revised input)
    # is a correction of the earlier alert: it says so and carries its own idempotency key, so a receiver
    # that de-duplicates on the key does not drop it as a repeat.
    fired = fired.with_columns(
        corrects=(~pl.col("transition") & pl.col("prev_firing").fill_null(False) & changed).fill_null(False)
    )
    # transition messages name the state they came from, known only now
    messages = []
    keys = []
    for m, p, t, corrects, rule, body, subject, year, fp in fired.select(
        "message", "previous_label", "transition", "corrects", "rule", "body_code", "subject", "year", "fingerprint"
    ).iter_rows():
        key = dedup_key(rule, body, subject, year)
        m = m.replace("{previous}", p or "unknown") if t else m
        if corrects:
            m = f"Correction of an earlier alert ({key}): the values it was based on changed. {m}"
            key = correction_key(key, fp)
        messages.append(m)
        keys.append(key)
    fired = fired.with_columns(
        message=pl.Series(messages, dtype=pl.String), dedup_key=pl.Series(keys, dtype=pl.String)
    ).select(*OBSERVATION_SCHEMA, "dedup_key")
    new_state = j.select(
        "state_key",
        "rule",
        "observed",
        "firing",
        pl.when(pl.col("fires")).then(pl.col("fingerprint")).otherwise(pl.col("prev_fingerprint")).alias("fingerprint"),
    )
    return fired, new_state

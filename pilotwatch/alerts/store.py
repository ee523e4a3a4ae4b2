"""Warehouse side of monitoring: read what the rules need, write alerts, state, deliveries, attempts.

The analysis views (``mart.factor_effects``, ``mart.verdicts``, ``mart.grades``) belong to the
analysis flows; they are read by name and their columns are looked up, so monitoring keeps working
(with those rules skipped and a note) on a warehouse where the analysis has not run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import polars as pl

from pilotwatch.alerts.channels import ChannelResult
from pilotwatch.alerts.messages import Names
from pilotwatch.alerts.render import Alert
from transforms.alerts.observations import STATE_SCHEMA
from transforms.alerts.rules import (
    EFFECT_COLUMNS,
    GRADE_COLUMNS,
    PRESENCE_COLUMNS,
    TARGET_COLUMNS,
    VALUE_COLUMNS,
    VERDICT_COLUMNS,
)
from warehouse import frame, one, sql, transaction, utc_now


def view_columns(con: duckdb.DuckDBPyConnection, name: str) -> list[str] | None:
    """Columns of table or view ``schema.name``, or None when it does not exist."""
    schema, _, table = name.partition(".")
    rows = con.execute(
        sql("relation_columns"), [schema, table]).fetchall()
    return [r[0] for r in rows] or None


def _first(cols: list[str], *names: str) -> str | None:
    return next((n for n in names if n in cols), None)


# ---------------------------------------------------------------- rule inputs


def values(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One value per body-year-indicator (published preferred over derived), with provenance."""
    return frame(con, sql("alerts_values")).select(VALUE_COLUMNS)


def targets(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return frame(con, sql("alerts_targets")).select(TARGET_COLUMNS)


def presence(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Which dataset-year-body combinations the warehouse holds (macro series have no body)."""
    return frame(con, sql("alerts_presence")).select(PRESENCE_COLUMNS)


def series_breaks(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The recorded series breaks (indicator, first_year, kind): a jump across one is not a decline."""
    return frame(con, "SELECT indicator, first_year, kind FROM core.series_breaks ORDER BY indicator, first_year")


def one_body(con: duckdb.DuckDBPyConnection, body_code: str) -> tuple | None:
    return one(con, "SELECT body_code FROM core.bodies WHERE body_code = ?", [body_code])


def body_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("SELECT body_code, name_en FROM core.bodies").fetchall())


def _analysis_filter(cols: list[str], configuration: str) -> tuple[str, list[object]]:
    col = _first(cols, "configuration", "config", "config_name")
    return (f"WHERE x.{col} = ?", [configuration]) if col else ("", [])


def _year_expr(cols: list[str]) -> str:
    """The year an analysis row speaks for: its own column, the newest year of its inputs, or else the
    body's newest data year."""
    col = _first(cols, "year", "end_year", "year_to", "to_year", "last_year")
    if col:
        return f"x.{col}::INTEGER"
    newest = "(SELECT max(year) FROM core.indicator_facts f WHERE f.body_code = x.body_code)"
    if "inputs" in cols:
        return f"coalesce(list_max(list_transform(x.inputs, lambda i: i.year))::INTEGER, {newest})"
    return newest


def factor_effects(con: duckdb.DuckDBPyConnection, configuration: str) -> tuple[pl.DataFrame | None, str]:
    cols = view_columns(con, "mart.factor_effects")
    if not cols:
        return None, "mart.factor_effects not found (analysis not run): factor_flipped skipped"
    where, params = _analysis_filter(cols, configuration)
    f = frame(con, sql("alerts_factor_effects").format(year=_year_expr(cols), where=where), params)
    # several years per body-factor-rule: the newest one is the current effect
    f = f.sort("year", nulls_last=False).unique(["body_code", "factor", "rule"], keep="last", maintain_order=True)
    return f.select(EFFECT_COLUMNS), ""


def verdicts(con: duckdb.DuckDBPyConnection, configuration: str) -> tuple[pl.DataFrame | None, str]:
    cols = view_columns(con, "mart.verdicts")
    if not cols:
        return None, "mart.verdicts not found (analysis not run): verdict_changed (H1) skipped"
    where, params = _analysis_filter(cols, configuration)
    year = _year_expr(cols)
    negatives = ("list_sort(list_distinct(flatten(list(x.negative_factors))))" if "negative_factors" in cols
                 else "[]::VARCHAR[]")
    f = frame(con, sql("alerts_verdicts").format(negatives=negatives, year=year, where=where), params)
    return f.select(VERDICT_COLUMNS), ""


def grades(con: duckdb.DuckDBPyConnection, configuration: str) -> tuple[pl.DataFrame | None, str]:
    cols = view_columns(con, "mart.grades")
    if not cols:
        return None, "mart.grades not found (analysis not run): grade-band drops skipped"
    band = _first(cols, "band", "grade", "grade_band")
    year = _first(cols, "year")
    if not band or not year:
        return None, f"mart.grades has no year/band columns ({', '.join(cols)}): grade-band drops skipped"
    score = _first(cols, "score", "value", "effectiveness")
    where, params = _analysis_filter(cols, configuration)
    where = f"{where} {'AND' if where else 'WHERE'} b.kind = 'body'"  # pilot bodies, not the averages
    indicator = "x.indicator" if "indicator" in cols else "'overall_effectiveness'"
    f = frame(con, sql("alerts_grades").format(indicator=indicator, year=year, band=band, score=f'x.{score}::DOUBLE' if score else 'NULL::DOUBLE', where=where), params)
    return f.select(GRADE_COLUMNS), ""


def state(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return frame(con, "SELECT state_key, rule, observed, firing, fingerprint FROM core.alert_state").cast(
        STATE_SCHEMA)  # type: ignore[arg-type]


# ---------------------------------------------------------------- writing


def save_alerts(con: duckdb.DuckDBPyConnection, fired: pl.DataFrame, new_state: pl.DataFrame, run_id: str,
                created_at: datetime) -> list[int]:
    """Insert the fired alerts and upsert the rule state, in one transaction; return the new ids."""
    ids: list[int] = []
    with transaction(con):
        last_ids: dict[str, int] = {}
        for r in fired.iter_rows(named=True):
            (alert_id,) = one(con, "SELECT nextval('core.alert_id_seq')")  # type: ignore[misc]
            ids.append(int(alert_id))
            last_ids[r["state_key"]] = int(alert_id)
            con.execute(
                "INSERT INTO core.alerts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [alert_id, r["dedup_key"], r["rule"], r["body_code"], r["factor"], r["indicator"], r["subject"],
                 r["year"], r["previous_value"], r["value"], r["previous_label"], r["value_label"], r["severity"],
                 r["message"], r["details"], run_id, created_at],
            )
        if new_state.height:
            upd = new_state.with_columns(
                last_alert_id=pl.Series([last_ids.get(k) for k in new_state["state_key"]], dtype=pl.Int64),
                updated_at=pl.lit(created_at),
            )
            con.register("_alert_state", upd)
            try:
                con.execute(sql("alerts_upsert_state"))
            finally:
                con.unregister("_alert_state")
    return ids


@dataclass(frozen=True)
class Queued:
    """One delivery to queue: ``held`` (why it is suppressed) or ``due_on`` (a digest's date) or neither."""

    alert_id: int
    channel: str
    kind: str
    teams: str
    held: str | None = None
    due_on: date | None = None


def queue(con: duckdb.DuckDBPyConnection, rows: list[Queued], queued_at: datetime) -> int:
    """Queue deliveries; an existing one is left alone. Held ones are recorded as suppressed."""
    for q in rows:
        con.execute(
            sql("alerts_queue_delivery"),
            [q.alert_id, q.channel, q.kind, q.teams, "suppressed" if q.held else "pending", queued_at, q.held,
             q.due_on],
        )
    return sum(1 for q in rows if not q.held)


def suppress_held(con: duckdb.DuckDBPyConnection, as_of: date) -> None:
    """Acknowledged, snoozed and silenced alerts that are still owed a delivery are never sent."""
    con.execute(sql("alerts_suppress_held"), [as_of])


@dataclass(frozen=True)
class Mute:
    mute_id: int
    kind: str
    body_code: str
    rule: str | None
    until: date | None
    note: str | None

    def holds(self, body_code: str | None, rule: str, as_of: date) -> bool:
        return (body_code == self.body_code and self.rule in (None, rule)
                and (self.until is None or as_of < self.until))

    def reason(self) -> str:
        until = f" until {self.until.isoformat()}" if self.until else ""
        return f"{self.kind} #{self.mute_id}{until}" + (f": {self.note}" if self.note else "")


def mutes(con: duckdb.DuckDBPyConnection) -> list[Mute]:
    """Snoozes and silences not lifted (a snooze past its date simply stops holding)."""
    rows = con.execute(sql("alerts_mutes")).fetchall()
    return [Mute(*r) for r in rows]


def names(con: duckdb.DuckDBPyConnection) -> Names:
    """Full body and indicator names from the registry, for messages."""
    bodies = {c: (en, ru or en) for c, en, ru in con.execute("SELECT body_code, name_en, name_ru FROM core.bodies")
              .fetchall()}
    indicators = {i: (n, u or "") for i, n, u in con.execute("SELECT indicator, name, unit FROM core.indicators")
                  .fetchall()}
    return Names(bodies, indicators)


def ack(con: duckdb.DuckDBPyConnection, alert_id: int, note: str | None, by: str) -> bool:
    """Acknowledge an alert (again: the note and time are replaced); False when there is no such alert."""
    if one(con, "SELECT 1 FROM core.alerts WHERE alert_id = ?", [alert_id]) is None:
        return False
    con.execute("INSERT OR REPLACE INTO core.alert_acks VALUES (?, ?, ?, ?)", [alert_id, note, by, utc_now()])
    return True


def mute(con: duckdb.DuckDBPyConnection, kind: str, body_code: str, rule: str | None, until: date | None,
         note: str | None, by: str) -> int:
    (mute_id,) = one(con, "SELECT nextval('core.alert_mute_id_seq')")  # type: ignore[misc]
    con.execute("INSERT INTO core.alert_mutes VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                [mute_id, kind, body_code, rule, until, note, by, utc_now()])
    return int(mute_id)


def unmute(con: duckdb.DuckDBPyConnection, body_code: str, rule: str | None) -> list[int]:
    """Lift the body's snoozes and silences (of ``rule`` only, when given); return their numbers."""
    rows = con.execute(sql("alerts_unmute"), [utc_now(), body_code, rule, rule]).fetchall()
    return sorted(int(r[0]) for r in rows)


def undelivered(con: duckdb.DuckDBPyConnection, as_of: date | None = None) -> list[tuple[str, Alert]]:
    """Every (channel, alert) still owed and due (digests: ``due_on`` reached on ``as_of``), oldest first."""
    rows = con.execute(sql("alerts_undelivered"), [as_of, as_of]).fetchall()
    out = []
    for r in rows:
        details = json.loads(r[16]) if r[16] else {}
        out.append((r[0], Alert(*r[1:16], details=details)))
    return out


def record(con: duckdb.DuckDBPyConnection, results: list[ChannelResult], run_id: str) -> None:
    """Log every attempt and update each delivery's status, attempts and last error."""
    with transaction(con):
        for res in results:
            for a in res.attempts:
                (n,) = one(con, "SELECT attempts + 1 FROM meta.alert_deliveries WHERE alert_id = ? AND channel = ?",
                           [a.alert_id, a.channel]) or (1,)
                con.execute("INSERT INTO meta.alert_delivery_attempts VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            [a.alert_id, a.channel, n, run_id, a.started_at, a.finished_at, a.ok, a.detail])
                con.execute(
                    sql("alerts_record_attempt"),
                    [a.finished_at, a.ok, a.ok, a.finished_at, a.ok, a.detail, a.alert_id, a.channel],
                )
            for alert_id, why in res.deferred.items():
                con.execute("UPDATE meta.alert_deliveries SET last_error = ? WHERE alert_id = ? AND channel = ?",
                            [why, alert_id, res.channel])


def record_run(con: duckdb.DuckDBPyConnection, run_id: str, *, as_of: date, config: str, started_at: datetime,
               notes: list[str], **counts: int) -> None:
    """Write (or complete) the run's row in meta.monitor_runs.

    A run evaluates and then delivers, each phase in its own warehouse session; the second phase
    adds its counts to the row the first one wrote. A delivery-only run (``flows.alerts.deliver``,
    which the refresh calls after publishing) has a row of its own with no observations.
    """
    row = one(con, "SELECT notes FROM meta.monitor_runs WHERE run_id = ?", [run_id])
    if row is None:
        con.execute("INSERT INTO meta.monitor_runs (run_id, started_at, as_of, config) VALUES (?, ?, ?, ?)",
                    [run_id, started_at, as_of, config])
    text = "; ".join([n for n in [row[0] if row else None, *notes] if n]) or None
    sets = ", ".join(f"{k} = ?" for k in counts)
    con.execute(sql("alerts_record_run").format(counts=', ' + sets if sets else ''), [utc_now(), text, *counts.values(), run_id])


def undelivered_count(con: duckdb.DuckDBPyConnection) -> int:
    (n,) = one(con, "SELECT count(*) FROM meta.alert_deliveries WHERE status IN ('pending', 'failed')") or (0,)
    return int(n)

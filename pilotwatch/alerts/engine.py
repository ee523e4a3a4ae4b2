"""What a monitoring run does, independent of the orchestrator (``flows/alerts.py`` only wires it).

1. :func:`evaluate`: read the warehouse, run every enabled rule, decide against the remembered
   state which observations fire, store the new alerts and the state, and queue one delivery per
   (alert, subscribed channel) — recorded as suppressed when a snooze or silence holds its body and
   rule, and dated ``due_on`` when the channel takes a daily or weekly digest.
2. :func:`deliver`: suppress what was acknowledged, snoozed or silenced since; group every delivery
   that is owed and due — this run's and any earlier run's leftovers — into one message per body and
   channel (or one digest per channel), send it, and log each attempt for each of its alerts.
"""

from __future__ import annotations

import json
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

import duckdb
import polars as pl

from pilotwatch import settings
from pilotwatch.alerts import messages, store
from pilotwatch.alerts.channels import Attempt, ChannelResult, build_senders, deliver_all
from pilotwatch.alerts.config import AlertsConfig
from pilotwatch.alerts.render import Alert
from transforms.alerts import rules
from transforms.alerts.decision import decide
from warehouse import utc_now

log = logging.getLogger("pilotwatch.alerts")


def today() -> date:
    return datetime.now(UTC).date()


@dataclass
class Evaluation:
    observations: int = 0
    alerts: list[dict[str, object]] = field(default_factory=list)
    queued: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass
class Delivery:
    delivered: int = 0
    failed: int = 0
    deferred: int = 0
    undelivered: int = 0
    #: Messages the channels accepted (a message carries one body's alerts, or a digest).
    messages: int = 0
    by_channel: dict[str, Counter[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _unknown_rule(frame: pl.DataFrame, wanted: str, rule: str, view: str) -> list[str]:
    """A note when the configured analysis rule is not among those the analysis published (a typo)."""
    known = sorted(set(frame["rule"]))
    return [f"{rule}: {view} has no rule {wanted!r} (has {known})"] if known and wanted not in known else []


def series_break_notes(observations: pl.DataFrame) -> list[str]:
    """One note per comparison the rule did not make because its two years straddle a series break."""
    notes = []
    for r in observations.filter(pl.col("observed") == "series_break").iter_rows(named=True):
        d = json.loads(r["details"])
        notes.append(f"indicator_turned_negative: {r['body_code']} {r['indicator']} {r['year']} not compared with "
                     f"{d['previous_year']} across the series break {d['series_break']} (mart.series_breaks): "
                     "not a decline")
    return notes


def observe(con: duckdb.DuckDBPyConnection, cfg: AlertsConfig, as_of: date) -> tuple[pl.DataFrame, list[str]]:
    """Every enabled rule's observations on the warehouse behind ``con``."""
    r, dash, notes = cfg.rules, cfg.links.dashboard, []
    values = store.values(con)
    turned = rules.indicator_turned_negative(values, r.indicator_turned_negative, dash, store.series_breaks(con))
    notes += series_break_notes(turned)
    parts = [
        turned,
        rules.behind_target(values, store.targets(con), r.behind_target, dash),
        rules.stale_data(store.presence(con), r.stale_data, as_of, store.body_names(con), dash),
    ]
    if r.factor_flipped.enabled:
        effects, note = store.factor_effects(con, r.factor_flipped.analysis_configuration)
        if effects is None:
            notes.append(note)
        else:
            notes += _unknown_rule(effects, r.factor_flipped.analysis_rule, "factor_flipped", "mart.factor_effects")
            parts.append(rules.factor_flipped(effects, r.factor_flipped, dash))
    if r.verdict_changed.enabled:
        verdicts, note = store.verdicts(con, r.verdict_changed.analysis_configuration)
        if verdicts is None:
            notes.append(note)
        else:
            notes += _unknown_rule(verdicts, r.verdict_changed.analysis_rule, "verdict_changed", "mart.verdicts")
            parts.append(rules.verdict_changed(verdicts, r.verdict_changed, dash))
        grades, note = store.grades(con, r.verdict_changed.analysis_configuration)
        if grades is None:
            notes.append(note)
        else:
            parts.append(rules.verdict_changed_grades(grades, r.verdict_changed, dash))
    return pl.concat(parts), notes


def evaluate(con: duckdb.DuckDBPyConnection, cfg: AlertsConfig, as_of: date, run_id: str) -> Evaluation:
    """Fire what is new, remember what was seen, queue deliveries for the subscribed channels."""
    result = Evaluation()
    observations, result.notes = observe(con, cfg, as_of)
    result.observations = observations.height
    fired, new_state = decide(observations, store.state(con))
    created = utc_now()
    ids = store.save_alerts(con, fired, new_state, run_id, created)

    senders, missing = build_senders(cfg)
    mutes = store.mutes(con)
    skipped: Counter[str] = Counter()
    rows: list[store.Queued] = []
    for alert_id, r in zip(ids, fired.iter_rows(named=True), strict=True):
        routes = cfg.routes(r["rule"], r["body_code"], r["factor"], r["severity"])
        held = next((m.reason() for m in mutes if m.holds(r["body_code"], r["rule"], as_of)), None)
        for channel, teams in routes.items():
            if channel in missing and cfg.channels[channel].optional:
                skipped[channel] += 1
                continue
            ch = cfg.channels[channel]
            rows.append(store.Queued(alert_id, channel, ch.type, ", ".join(teams), held, due_on(ch.digest, as_of)))
        if held and routes:
            result.notes.append(f"alert {alert_id} ({r['dedup_key']}) recorded, not sent: {held}")
        result.alerts.append({"alert_id": alert_id, "rule": r["rule"], "body_code": r["body_code"],
                              "subject": r["subject"], "year": r["year"], "severity": r["severity"],
                              "channels": sorted(routes)})
        if not routes:
            result.notes.append(f"alert {alert_id} ({r['dedup_key']}) matches no subscription")
    for channel, n in sorted(skipped.items()):
        result.notes.append(f"optional channel {channel} skipped for {n} alert(s): {missing[channel]}")
    result.queued = store.queue(con, rows, created)
    return result


def due_on(digest: str, as_of: date) -> date | None:
    """When a digest holding an alert queued on ``as_of`` is sent: the next day, or the next Monday."""
    if digest == "daily":
        return as_of + timedelta(days=1)
    if digest == "weekly":
        return as_of + timedelta(days=7 - as_of.weekday())
    return None


def _messages(cfg: AlertsConfig, channel: str, alerts: list[Alert],
              names: messages.Names) -> tuple[list[messages.Message], dict[int, list[int]]]:
    """The channel's messages, and for each message's representative id the ids of all its alerts."""
    ch = cfg.channels[channel]

    def owner_of(body: str | None, rule: str) -> str | None:
        o = cfg.owner_for(body, rule)
        return o.label() if o else None

    def report_of(body: str) -> str:
        template = cfg.links.report
        return template.format(body_code=body) if template else str(settings.reports_dir() / f"{body}.html")

    msgs = messages.build(alerts, names, ch.language, owner_of, report_of,
                          None if ch.digest == "immediate" else ch.digest)
    return msgs, {m.alert_id: m.alert_ids for m in msgs}


def _expand(res: ChannelResult, members: dict[int, list[int]]) -> ChannelResult:
    """A message's outcome becomes each of its alerts' outcome (deliveries are recorded per alert)."""
    def ids(i: int) -> list[int]:
        return members.get(i, [i])

    return ChannelResult(
        res.channel,
        attempts=[replace(a, alert_id=i) for a in res.attempts for i in ids(a.alert_id)],
        delivered=[i for d in res.delivered for i in ids(d)],
        failed={i: why for d, why in res.failed.items() for i in ids(d)},
        deferred={i: why for d, why in res.deferred.items() for i in ids(d)},
    )


def deliver(con: duckdb.DuckDBPyConnection, cfg: AlertsConfig, run_id: str, as_of: date | None = None) -> Delivery:
    """Send what is owed and due, grouped into messages, one worker per channel; log every attempt.

    Acknowledged alerts and alerts of a snoozed or silenced body and rule are marked suppressed first;
    digest channels (``digest: daily|weekly``) get only deliveries whose ``due_on`` has come.
    """
    out = Delivery()
    day = as_of or today()
    store.suppress_held(con, day)
    queues: dict[str, list[Alert]] = defaultdict(list)
    for channel, alert in store.undelivered(con, day):
        queues[channel].append(alert)
    senders, missing = build_senders(cfg)
    results: list[ChannelResult] = []
    for channel, alerts in queues.items():
        if channel not in cfg.channels:
            out.notes.append(f"{len(alerts)} undelivered alert(s) for channel {channel}, which is no longer "
                             "in the monitoring config (see mart.alert_deliveries)")
        elif channel in missing:
            res = ChannelResult(channel)
            if cfg.channels[channel].optional:  # queued while it was configured; wait until it is again
                res.deferred = {a.alert_id: f"deferred: channel {channel} is {missing[channel]}" for a in alerts}
            else:
                t = utc_now()
                res.attempts = [Attempt(a.alert_id, channel, t, t, False, missing[channel]) for a in alerts]
                res.failed = {a.alert_id: missing[channel] for a in alerts}
                log.error("channel %s: %s (%d alert(s) undelivered)", channel, missing[channel], len(alerts))
            results.append(res)
    names = store.names(con)
    outgoing: dict[str, list[messages.Message]] = {}
    members: dict[str, dict[int, list[int]]] = {}
    for c, alerts in queues.items():
        if c in senders:
            outgoing[c], members[c] = _messages(cfg, c, alerts, names)
    for r in deliver_all(outgoing, senders, cfg):  # type: ignore[arg-type]
        out.messages += len(r.delivered)
        results.append(_expand(r, members.get(r.channel, {})))
    store.record(con, results, run_id)
    for res in results:
        out.delivered += len(res.delivered)
        out.failed += len(res.failed)
        out.deferred += len(res.deferred)
        out.by_channel[res.channel] = Counter(delivered=len(res.delivered), failed=len(res.failed),
                                              deferred=len(res.deferred))
    out.undelivered = store.undelivered_count(con)
    return out


def delivery_counts(dl: Delivery | None) -> dict[str, int | None]:
    if dl is None:
        return {"delivered": None, "failed": None, "deferred": None, "undelivered": None, "messages": None}
    return {"delivered": dl.delivered, "failed": dl.failed, "deferred": dl.deferred, "undelivered": dl.undelivered,
            "messages": dl.messages}


def summary(run_id: str, ev: Evaluation | None, dl: Delivery | None) -> str:
    lines = []
    if ev is not None:
        by_rule = Counter(str(a["rule"]) for a in ev.alerts)
        rules_text = ", ".join(f"{n} {r}" for r, n in sorted(by_rule.items()))
        lines.append(f"monitor: {len(ev.alerts)} new alert(s){' (' + rules_text + ')' if rules_text else ''} "
                     f"from {ev.observations} observations; {ev.queued} deliveries queued; run {run_id}")
        if dl is None:
            lines.append("  deliveries are sent once this refresh has published")
    if dl is not None:
        if ev is None:
            lines.append(f"alerts: delivering what is not delivered yet; run {run_id}")
        lines.append(f"  {dl.messages} message(s) sent (one per body and channel, or one digest per channel)")
        for channel, c in sorted(dl.by_channel.items()):
            lines.append(f"  {channel:<24} delivered {c['delivered']:>3}  failed {c['failed']:>3}  "
                         f"deferred {c['deferred']:>3}")
        if dl.undelivered:
            lines.append(f"  {dl.undelivered} deliveries still undelivered: `pilotwatch alerts --undelivered` "
                         "(re-sent by the next run)")
    lines += [f"  note: {n}" for n in (ev.notes if ev else []) + (dl.notes if dl else [])]
    return "\n".join(lines)

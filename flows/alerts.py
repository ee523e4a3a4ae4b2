"""Monitoring: evaluate the alert rules on the warehouse, then deliver what is new or still undelivered.

Two phases, each in its own warehouse session: the alerts are recorded (with their queued
deliveries) before anything is sent, and what was sent is recorded afterwards. Inside the annual
refresh the first phase joins the refresh's session (``monitor(deliver=False)`` after
``recompute_analysis``), so alerts are published with the data they are about, and the refresh calls
``deliver`` once it has published — a refresh stopped by its checks sends nothing. Alone
(``pilotwatch alerts run``) ``monitor`` does both. Rules and channels: data/monitoring.yaml or
``PILOTWATCH_MONITORING``; see docs/monitoring.md.
"""

from __future__ import annotations

import uuid
from datetime import date

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

import warehouse
from flows.artifacts import publish
from pilotwatch import artifacts
from pilotwatch.alerts import engine, store
from pilotwatch.alerts.config import AlertsConfig, load_config


@task(name="evaluate-rules", cache_policy=NO_CACHE)
def evaluate_rules(cfg: AlertsConfig, as_of: date, run_id: str) -> engine.Evaluation:
    started = warehouse.utc_now()
    with warehouse.writer("monitor") as con:
        ev = engine.evaluate(con, cfg, as_of, run_id)
        store.record_run(con, run_id, as_of=as_of, config=cfg.source, started_at=started, notes=ev.notes,
                         observations=ev.observations, new_alerts=len(ev.alerts), queued=ev.queued)
        publish(artifacts.alerts(con, run_id))
    return ev


@task(name="deliver-alerts", cache_policy=NO_CACHE)
def deliver_pending(cfg: AlertsConfig, as_of: date, run_id: str) -> engine.Delivery:
    started = warehouse.utc_now()
    with warehouse.writer("monitor") as con:
        dl = engine.deliver(con, cfg, run_id, as_of)
        store.record_run(con, run_id, as_of=as_of, config=cfg.source, started_at=started, notes=dl.notes,
                         delivered=dl.delivered, failed=dl.failed, undelivered=dl.undelivered)
    return dl


@flow(name="monitor", log_prints=True)
def monitor(config: str | None = None, as_of: date | None = None, deliver: bool = True) -> dict[str, object]:
    """Evaluate the rules (stale-data deadlines judged on ``as_of``, default today); then deliver."""
    cfg = load_config(config)
    day = as_of or engine.today()
    run_id = str(uuid.uuid4())
    ev = evaluate_rules(quote(cfg), day, run_id)  # quote: not walked by Prefect per task run
    dl = deliver_pending(quote(cfg), day, run_id) if deliver else None
    print(engine.summary(run_id, ev, dl))
    return {"run_id": run_id, "as_of": day.isoformat(), "alerts": ev.alerts, "queued": ev.queued,
            **engine.delivery_counts(dl), "notes": ev.notes + (dl.notes if dl else [])}


def deliver(config: str | None = None) -> dict[str, object]:
    """Deliver every alert not delivered yet, as a task of the calling flow.

    The annual refresh calls this once it has published (a task, not a subflow: a Prefect subflow
    costs about a second, the delivery itself milliseconds).
    """
    cfg = load_config(config)
    run_id = str(uuid.uuid4())
    dl = deliver_pending(quote(cfg), engine.today(), run_id)
    print(engine.summary(run_id, None, dl))
    return {"run_id": run_id, **engine.delivery_counts(dl), "notes": dl.notes}


@flow(name="send_alerts", log_prints=True)
def send_alerts(config: str | None = None) -> dict[str, object]:
    """Deliver every alert not delivered yet (without evaluating the rules)."""
    return deliver(config)

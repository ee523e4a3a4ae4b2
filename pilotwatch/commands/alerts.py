"""``pilotwatch alerts``: list alerts and deliveries, run the monitor, send a test message to a channel."""

from __future__ import annotations

import argparse
import sys
from datetime import date

ACTIONS = ("list", "deliveries", "run", "test", "check")


def register(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Monitoring alerts (rules and channels: data/monitoring.yaml or $PILOTWATCH_MONITORING; "
        "see docs/monitoring.md).\n\n"
        "  list         the alerts fired (default), newest first, with their delivery status\n"
        "  deliveries   one row per alert and channel: status, attempts, last error\n"
        "  run          evaluate the rules now and deliver what is new or still undelivered\n"
        "  test CHANNEL send a test message through one channel (nothing is recorded)\n"
        "  check        validate the monitoring config and say which channels are configured"
    )
    p.epilog = (
        "examples:\n  pilotwatch alerts --since 2026-01-01\n  pilotwatch alerts --undelivered --format json\n"
        "  pilotwatch alerts deliveries --undelivered\n  pilotwatch alerts run\n"
        "  pilotwatch alerts test monitoring-webhook"
    )
    p.add_argument("action", nargs="?", default="list", choices=ACTIONS, metavar="ACTION",
                   help=f"one of {', '.join(ACTIONS)}")
    p.add_argument("channel", nargs="?", help="the channel for `test`")
    p.add_argument("--since", type=date.fromisoformat, metavar="DATE", help="only alerts created on or after DATE")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.add_argument("--undelivered", action="store_true", help="only alerts with a delivery not yet delivered")
    p.add_argument("--rule", help="only this rule")
    p.add_argument("--body", help="only this body code")
    p.add_argument("--config", help="monitoring config (default: $PILOTWATCH_MONITORING or data/monitoring.yaml)")
    p.add_argument("--as-of", type=date.fromisoformat, metavar="DATE",
                   help="`run`: judge stale-data deadlines on DATE (default today)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.action == "test":
        return _test(args)
    if args.action == "check":
        return _check(args)
    if args.channel:
        print(f"pilotwatch alerts {args.action}: unexpected argument {args.channel!r}", file=sys.stderr)
        return 2
    if args.action == "run":
        from flows.alerts import monitor

        result = monitor(config=args.config, as_of=args.as_of)
        return 0 if not result["failed"] else 2
    return _list(args)


def _where(args: argparse.Namespace, created: str) -> tuple[str, list[object]]:
    """Filters shared by ``list`` (on mart.alerts) and ``deliveries`` (on mart.alert_deliveries)."""
    cond, params = ["TRUE"], []
    for column, value in ((f"{created} >= ?", args.since), ("a.rule = ?", args.rule), ("a.body_code = ?", args.body)):
        if value:
            cond.append(column)
            params.append(value)
    if args.undelivered:
        cond.append("a.alert_id IN (SELECT alert_id FROM mart.alert_deliveries WHERE status <> 'delivered')")
    return " AND ".join(cond), params


def _list(args: argparse.Namespace) -> int:
    import warehouse
    from pilotwatch.alerts.store import view_columns
    from pilotwatch.commands.query import write

    con = warehouse.connect(read_only=True)
    try:
        if not view_columns(con, "mart.alerts"):
            print("no alerts yet: this warehouse has not been monitored (run `pilotwatch refresh` or "
                  "`pilotwatch alerts run`)")
            return 0
        if args.action == "deliveries":
            where, params = _where(args, "a.queued_at")
            if args.undelivered:
                where += " AND a.status <> 'delivered'"
            cur = con.execute(
                warehouse.sql("alerts_deliveries").format(where=where), params)
            write([d[0] for d in cur.description or []], cur.fetchall(), args.format, out=sys.stdout)
            return 0
        where, params = _where(args, "a.created_at")
        cur = con.execute(warehouse.sql("alerts_list").format(where=where), params)
        cols, rows = [d[0] for d in cur.description or []], cur.fetchall()
    finally:
        con.close()
    if args.format != "table":
        write(cols, rows, args.format, out=sys.stdout)
        return 0
    for r in rows:
        rec = dict(zip(cols, r, strict=True))
        what = rec["indicator"] or rec["factor"] or rec["subject"] or ""
        print(f"#{rec['alert_id']:<5} {rec['created_at']:%Y-%m-%d %H:%M}  {rec['severity']:<8} {rec['rule']:<25} "
              f"{rec['body_code'] or '-':<10} {what:<26} {rec['year'] or '':<5} {rec['deliveries']}")
        print(f"       {rec['message']}")
    print(f"({len(rows)} alert{'s' if len(rows) != 1 else ''})")
    return 0


def _test(args: argparse.Namespace) -> int:
    from pilotwatch.alerts.channels import build_sender, deliver_channel
    from pilotwatch.alerts.config import load_config
    from pilotwatch.alerts.render import probe_alert
    from pilotwatch.alerts.secrets import REDACTOR, SecretMissing

    cfg = load_config(args.config)
    if args.channel not in cfg.channels:
        what = f"no channel {args.channel!r} in {cfg.source}" if args.channel else "name a channel"
        print(f"pilotwatch alerts test: {what} (channels: {', '.join(cfg.channels)})", file=sys.stderr)
        return 2
    try:
        sender = build_sender(args.channel, cfg)
    except SecretMissing as exc:
        print(f"{args.channel}: not configured: {exc}", file=sys.stderr)
        return 1
    result = deliver_channel(sender, [probe_alert(args.channel)], cfg.retry_for(args.channel))
    last = result.attempts[-1]
    status = "ok" if last.ok else "FAILED"
    print(REDACTOR(f"{args.channel}: {status} after {len(result.attempts)} attempt(s) -> {sender.target()}: "
                   f"{last.detail}"))
    return 0 if last.ok else 1


def _check(args: argparse.Namespace) -> int:
    from pilotwatch.alerts.channels import build_senders
    from pilotwatch.alerts.config import load_config

    cfg = load_config(args.config)
    ready, missing = build_senders(cfg)
    print(f"{cfg.source}: valid; {len(cfg.subscriptions)} subscription(s), {len(cfg.channels)} channel(s)")
    for name, ch in cfg.channels.items():
        state = f"ready -> {ready[name].target()}" if name in ready else missing[name]
        flag = " (optional)" if ch.optional else ""
        print(f"  {name:<24} {ch.type:<8}{flag:<11} {state}")
    enabled = [n for n in ("indicator_turned_negative", "factor_flipped", "verdict_changed", "behind_target",
                           "stale_data") if getattr(cfg.rules, n).enabled]
    print(f"  rules enabled: {', '.join(enabled)}")
    return 0 if all(cfg.channels[n].optional for n in missing) else 1

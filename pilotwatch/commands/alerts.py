"""``pilotwatch alerts``: list alerts and deliveries, run the monitor, send a test message to a channel;
acknowledge an alert, snooze or silence a body's alerts (recorded in the warehouse, honoured by later runs)."""

from __future__ import annotations

import argparse
import sys
from datetime import date

ACTIONS = ("list", "deliveries", "run", "test", "check", "ack", "snooze", "silence", "unsilence")


def register(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Monitoring alerts (rules and channels: data/monitoring.yaml or $PILOTWATCH_MONITORING; "
        "see docs/monitoring.md).\n\n"
        "  list         the alerts fired (default), newest first, with their delivery status\n"
        "  deliveries   one row per alert and channel: status, attempts, last error\n"
        "  run          evaluate the rules now and deliver what is new or still undelivered\n"
        "  test CHANNEL send a test message through one channel (nothing is recorded)\n"
        "  check        validate the monitoring config and say which channels are configured\n"
        "  ack ID       acknowledge alert ID (someone is on it): it is not sent again\n"
        "  snooze       hold a body's alerts (--body, optionally --rule) until --until DATE: they are\n"
        "               recorded in mart.alerts but not sent\n"
        "  silence      hold a body's alerts of one rule (--body, --rule) until unsilenced\n"
        "  unsilence    lift the body's silences and snoozes (of --rule only, when given)"
    )
    p.epilog = (
        "examples:\n  pilotwatch alerts --since 2026-01-01\n  pilotwatch alerts --undelivered --format json\n"
        "  pilotwatch alerts deliveries --undelivered\n  pilotwatch alerts run\n"
        "  pilotwatch alerts test monitoring-webhook\n"
        "  pilotwatch alerts ack 42 --note 'called the akimat, data error'\n"
        "  pilotwatch alerts snooze --body astana --until 2027-01-15\n"
        "  pilotwatch alerts silence --body acsa --rule behind_target --note 'targets under revision'\n"
        "  pilotwatch alerts unsilence --body acsa --rule behind_target"
    )
    p.add_argument("action", nargs="?", default="list", choices=ACTIONS, metavar="ACTION",
                   help=f"one of {', '.join(ACTIONS)}")
    p.add_argument("channel", nargs="?", metavar="CHANNEL|ALERT_ID", help="the channel for `test`, the alert for `ack`")
    p.add_argument("--since", type=date.fromisoformat, metavar="DATE", help="only alerts created on or after DATE")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.add_argument("--undelivered", action="store_true", help="only alerts with a delivery not yet delivered")
    p.add_argument("--rule", help="only this rule")
    p.add_argument("--body", help="only this body code")
    p.add_argument("--config", help="monitoring config (default: $PILOTWATCH_MONITORING or data/monitoring.yaml)")
    p.add_argument("--as-of", type=date.fromisoformat, metavar="DATE",
                   help="`run`: judge stale-data deadlines on DATE (default today)")
    p.add_argument("--until", type=date.fromisoformat, metavar="DATE",
                   help="`snooze`: the first day the alerts are sent again (YYYY-MM-DD)")
    p.add_argument("--note", help="`ack`, `snooze`, `silence`: why (kept in the warehouse)")
    p.add_argument("--by", help="who acts (default: the operating-system user)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.action == "test":
        return _test(args)
    if args.action == "check":
        return _check(args)
    if args.action in ("ack", "snooze", "silence", "unsilence"):
        return _act(args)
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
        cond.append("a.alert_id IN (SELECT alert_id FROM mart.alert_deliveries WHERE status IN ('pending', 'failed'))")
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
                where += " AND a.status IN ('pending', 'failed')"
            cur = con.execute(
                warehouse.sql("alerts_deliveries").format(where=where), params)
            write([d[0] for d in cur.description or []], cur.fetchall(), args.format, out=sys.stdout)
            return 0
        where, params = _where(args, "a.created_at")
        cur = con.execute(warehouse.sql("alerts_list").format(where=where), params)
        cols, rows = [d[0] for d in cur.description or []], cur.fetchall()
        held = con.execute(warehouse.sql("alerts_held")).fetchall()
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
        if rec["acknowledged"]:
            print(f"       acknowledged by {rec['acknowledged']}")
    print(f"({len(rows)} alert{'s' if len(rows) != 1 else ''})")
    for mute_id, kind, body, rule, until, note in held:
        print(f"held: {kind} #{mute_id} {body} {rule}" + (f" until {until}" if until else "")
              + (f" — {note}" if note else "") + "  (lift: pilotwatch alerts unsilence --body "
              + f"{body}{'' if rule == 'every rule' else ' --rule ' + rule})")
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


def _act(args: argparse.Namespace) -> int:
    """ack / snooze / silence / unsilence: one small write to the warehouse, read by every later run."""
    import getpass

    import warehouse
    from pilotwatch.alerts import store
    from pilotwatch.alerts.config import RULES
    from pilotwatch.alerts.engine import today

    name = f"pilotwatch alerts {args.action}"
    by = args.by or getpass.getuser()
    if args.action == "ack":
        if not (args.channel or "").isdigit():
            print(f"{name}: give the alert number (`pilotwatch alerts` lists them)", file=sys.stderr)
            return 2
        with warehouse.writer("alerts ack") as con:
            found = store.ack(con, int(args.channel), args.note, by)
        if not found:
            print(f"{name}: no alert #{args.channel}", file=sys.stderr)
            return 1
        print(f"alert #{args.channel} acknowledged by {by}: it will not be sent again")
        return 0
    problems = [] if not args.channel else [f"unexpected argument {args.channel!r}"]
    if not args.body:
        problems.append("--body is required")
    if args.rule and args.rule not in RULES:
        problems.append(f"unknown rule {args.rule!r} (rules: {', '.join(RULES)})")
    if args.action == "silence" and not args.rule:
        problems.append("--rule is required (to hold every rule of a body for a while, use snooze)")
    if args.action == "snooze":
        if not args.until:
            problems.append("--until YYYY-MM-DD is required")
        elif args.until <= today():
            problems.append(f"--until {args.until} is not in the future")
    if problems:
        print(f"{name}: " + "; ".join(problems), file=sys.stderr)
        return 2
    with warehouse.writer(f"alerts {args.action}") as con:
        if store.one_body(con, args.body) is None:
            known = ", ".join(r[0] for r in con.execute("SELECT body_code FROM core.bodies ORDER BY 1").fetchall())
            print(f"{name}: unknown body {args.body!r} (bodies: {known})", file=sys.stderr)
            return 2
        if args.action == "unsilence":
            lifted = store.unmute(con, args.body, args.rule)
        else:
            mute_id = store.mute(con, args.action, args.body, args.rule, args.until if args.action == "snooze"
                                 else None, args.note, by)
    what = f"{args.body} {args.rule or 'every rule'}"
    if args.action == "unsilence":
        if not lifted:
            print(f"{name}: nothing held for {what}")
            return 1
        print(f"lifted {', '.join(f'#{i}' for i in lifted)} for {what}: its new alerts are sent again")
    elif args.action == "snooze":
        print(f"snooze #{mute_id}: alerts for {what} are recorded but not sent until {args.until}")
    else:
        print(f"silence #{mute_id}: alerts for {what} are recorded but not sent until "
              f"`pilotwatch alerts unsilence --body {args.body} --rule {args.rule}`")
    return 0

-- Deliveries not sent yet whose alert has been acknowledged, or whose body and rule are snoozed or
-- silenced on the monitor date (?): marked suppressed with the reason, so no later run sends them.
with held as (
    select d.alert_id, d.channel,
           coalesce(
               'acknowledged by ' || k.acked_by || coalesce(': ' || k.note, ''),
               (select any_value(m.kind || ' #' || m.mute_id
                                 || coalesce(' until ' || strftime(m.until, '%Y-%m-%d'), '')
                                 || coalesce(': ' || m.note, ''))
                from core.alert_mutes m
                where m.body_code = a.body_code and (m.rule is null or m.rule = a.rule)
                  and m.lifted_at is null and (m.until is null or m.until > ?))
           ) as reason
    from meta.alert_deliveries d
    join core.alerts a using (alert_id)
    left join core.alert_acks k using (alert_id)
    where d.status in ('pending', 'failed')
)
update meta.alert_deliveries d
set status = 'suppressed', last_error = held.reason
from held
where held.reason is not null and d.alert_id = held.alert_id and d.channel = held.channel

-- Alerts, newest first, with their delivery status and acknowledgement; the where slot holds the command's filters.
SELECT a.alert_id, a.rule, a.body_code, a.factor, a.indicator, a.year, a.previous_value, a.value,
       a.severity, a.message, a.created_at, any_value(c.subject) AS subject,
       coalesce(string_agg(d.channel || ': ' || d.status
                || CASE WHEN d.status IN ('pending', 'failed') THEN ' (' || d.attempts || ' attempts)' ELSE '' END,
                '; ' ORDER BY d.channel), 'no channel') AS deliveries,
       any_value(k.acked_by || ' ' || strftime(k.acked_at, '%Y-%m-%d') || coalesce(': ' || k.note, ''))
           AS acknowledged
FROM mart.alerts a JOIN core.alerts c USING (alert_id) LEFT JOIN mart.alert_deliveries d USING (alert_id)
LEFT JOIN mart.alert_acks k USING (alert_id)
WHERE {where}
GROUP BY ALL ORDER BY a.alert_id DESC

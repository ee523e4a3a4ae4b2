-- Alerts, newest first, with their delivery status; the where slot holds the command's filters.
SELECT a.alert_id, a.rule, a.body_code, a.factor, a.indicator, a.year, a.previous_value, a.value,
       a.severity, a.message, a.created_at, any_value(c.subject) AS subject,
       coalesce(string_agg(d.channel || ': ' || d.status
                || CASE WHEN d.status <> 'delivered' THEN ' (' || d.attempts || ' attempts)' ELSE '' END,
                '; ' ORDER BY d.channel), 'no channel') AS deliveries
FROM mart.alerts a JOIN core.alerts c USING (alert_id) LEFT JOIN mart.alert_deliveries d USING (alert_id)
WHERE {where}
GROUP BY ALL ORDER BY a.alert_id DESC

-- Deliveries, newest alert first; the where slot holds the command's filters.
SELECT alert_id, rule, body_code, year, severity, channel, channel_type, teams, status, attempts,
       last_error, queued_at, last_attempt_at, delivered_at, due_on
FROM mart.alert_deliveries a
WHERE {where}
ORDER BY alert_id DESC, channel

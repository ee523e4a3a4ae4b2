-- Every (channel, alert) still owed (pending or failed) and due on the monitor date (? twice: digest
-- deliveries wait for their due_on; a null date takes everything), oldest alert first.
SELECT d.channel, a.alert_id, a.rule, a.severity, a.message, a.created_at, a.dedup_key, a.body_code,
       a.factor, a.indicator, a.subject, a.year, a.previous_value, a.value, a.previous_label,
       a.value_label, a.details
FROM meta.alert_deliveries d JOIN core.alerts a USING (alert_id)
WHERE d.status IN ('pending', 'failed') AND (d.due_on IS NULL OR ?::DATE IS NULL OR d.due_on <= ?)
ORDER BY a.alert_id, d.channel

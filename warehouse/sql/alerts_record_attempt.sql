-- One delivery attempt: count it, set the delivery's status, time and last error.
UPDATE meta.alert_deliveries
SET attempts = attempts + 1,
    last_attempt_at = ?,
    status = CASE WHEN ? THEN 'delivered' ELSE 'failed' END,
    delivered_at = CASE WHEN ? THEN ? ELSE delivered_at END,
    last_error = CASE WHEN ? THEN last_error ELSE ? END
WHERE alert_id = ? AND channel = ?

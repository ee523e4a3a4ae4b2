-- Alert deliveries still owed, by status.
SELECT status, count(*) AS deliveries, count(DISTINCT alert_id) AS alerts,
           min(queued_at) AS oldest FROM mart.alert_deliveries
    WHERE status IN ('pending', 'failed') GROUP BY status ORDER BY status

-- Open alerts (pilotwatch status): alerts whose rule still fires for what they are about. An alert is
-- the last one fired for its state key (core.alert_state.last_alert_id) and that key still fires;
-- once the condition clears (firing = false) or a newer alert replaces it, it is no longer open.
-- Acknowledgements are subtracted by the caller when the warehouse has them (mart.alert_acks).
WITH current_alerts AS (
    SELECT last_alert_id AS alert_id FROM core.alert_state WHERE firing AND last_alert_id IS NOT NULL
)
SELECT a.alert_id, a.rule, coalesce(a.body_code, '') AS body_code,
       a.subject, a.year, a.severity, a.created_at
FROM core.alerts a JOIN current_alerts c USING (alert_id)
ORDER BY CASE a.severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, a.rule, a.body_code, a.year;

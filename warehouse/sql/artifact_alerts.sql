-- The alerts one monitor run raised (Prefect artifact "alerts"), with the body's name.
SELECT a.alert_id, a.severity, a.rule, coalesce(b.name_en, a.body_code, '') AS body, a.subject, a.year, a.message
FROM core.alerts a LEFT JOIN core.bodies b USING (body_code)
WHERE a.run_id = ?
ORDER BY CASE a.severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, a.alert_id;

-- One analysis run's verdicts under the default rule beside the previous good run of the same
-- configuration (Prefect artifact "verdicts"): changed says whether a body's conclusion moved.
WITH this_run AS (
    SELECT run_id, config, started_at FROM meta.analysis_runs WHERE run_id = ?
),
previous_run AS (
    SELECT r.run_id FROM meta.analysis_runs r JOIN this_run t USING (config)
    WHERE r.status = 'ok' AND r.run_id <> t.run_id AND r.started_at < t.started_at
    ORDER BY r.started_at DESC LIMIT 1
),
now_v AS (
    SELECT DISTINCT body_code, verdict FROM core.analysis_verdicts
    WHERE run_id = (SELECT run_id FROM this_run) AND is_default_rule
),
before_v AS (
    SELECT DISTINCT body_code, verdict FROM core.analysis_verdicts
    WHERE run_id = (SELECT run_id FROM previous_run) AND is_default_rule
),
has_previous AS (
    SELECT count(*) > 0 AS yes FROM previous_run
),
compared AS (
    SELECT coalesce(b.name_en, n.body_code) AS body, coalesce(n.verdict, 'insufficient data') AS verdict,
           CASE WHEN h.yes THEN coalesce(p.verdict, 'insufficient data') ELSE '' END AS previous_verdict,
           CASE WHEN NOT h.yes THEN 'first run'
                WHEN p.verdict IS NOT DISTINCT FROM n.verdict THEN 'unchanged' ELSE 'changed' END AS change
    FROM now_v n CROSS JOIN has_previous h LEFT JOIN before_v p USING (body_code) LEFT JOIN core.bodies b USING (body_code)
)
SELECT body, verdict, previous_verdict, change FROM compared
ORDER BY change = 'changed' DESC, body;

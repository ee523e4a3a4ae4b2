-- Last loads per dataset and year (pilotwatch status): last attempt, its outcome, last success, values held.
WITH per_year AS (
    SELECT * EXCLUDE (y), TRY_CAST(y AS INTEGER) AS year
    FROM (SELECT *, unnest(string_split(coalesce(years, ''), ',')) AS y FROM mart.loads)
),
held AS (
    SELECT dataset, year, count(*) AS n_values FROM mart.indicator_values GROUP BY ALL
    UNION ALL SELECT 'macro', year, count(*) FROM mart.macro GROUP BY ALL
)
SELECT p.dataset, p.year,
       arg_max(p.status, p.load_id) AS last_status,
       max(p.finished_at) AS last_attempt,
       max(p.finished_at) FILTER (WHERE p.status IN ('loaded', 'unchanged')) AS last_success,
       any_value(h.n_values) AS n_values,
       string_agg(DISTINCT p.source_id, ', ' ORDER BY p.source_id) AS sources
FROM per_year p LEFT JOIN held h ON h.dataset = p.dataset AND h.year = p.year
WHERE p.year IS NOT NULL
GROUP BY p.dataset, p.year
ORDER BY p.dataset, p.year;

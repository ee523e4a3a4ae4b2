-- Median monthly pay per year, category and level (central | local), pooled over every body of the
-- level: scope 'all' records, and 'pilot' / 'non_pilot' records only. Reads _pr_emp and core.bodies.
WITH e AS (
    SELECT e.*, b.level FROM _pr_emp e JOIN core.bodies b USING (body_code)
    WHERE b.level IN ('central', 'local')
), per_all AS (
    SELECT year, position_category, 'all' AS scope, level, body_code, employee_key,
           sum(base_tiyn + bonus_tiyn + other_tiyn) AS pay_tiyn, sum(months) AS months, max(load_id) AS load_id
    FROM e GROUP BY ALL
), per_mode AS (
    SELECT year, position_category, CASE WHEN pilot THEN 'pilot' ELSE 'non_pilot' END AS scope, level,
           body_code, employee_key,
           sum(base_tiyn + bonus_tiyn + other_tiyn) AS pay_tiyn, sum(months) AS months, max(load_id) AS load_id
    FROM e GROUP BY ALL
)
SELECT CAST(year AS INTEGER) AS year, position_category, scope, level, count(*) AS employees,
       median(CAST(pay_tiyn AS DOUBLE) / CAST(months * 100 AS DOUBLE)) AS median_kzt, max(load_id) AS load_id
FROM (SELECT * FROM per_all UNION ALL SELECT * FROM per_mode)
GROUP BY ALL
ORDER BY year, position_category, scope, level;

-- Payroll records of some years reduced to one row per body, year, category, pilot mode and employee
-- (pay in tiyn, USD converted at the year's average rate, rounded to the tiyn). Definitions:
-- transforms/payroll_aggregates.py. $1 years (INTEGER[]), $2 exchange-rate series (usd_kzt).
CREATE OR REPLACE TEMP TABLE _pr_emp AS
WITH rates AS (
    SELECT year, CAST(value AS DECIMAL(18, 4)) AS usd_kzt FROM core.macro_series WHERE series = $2
), r AS (
    SELECT p.body_code, p.year, p.position_category, p.pilot, p.employee_key, p.load_id,
           CASE WHEN p.currency = 'KZT' THEN CAST(p.base_salary * 100 AS BIGINT)
                ELSE CAST(round(p.base_salary * x.usd_kzt, 2) * 100 AS BIGINT) END AS base_tiyn,
           CASE WHEN p.currency = 'KZT' THEN CAST(p.bonus * 100 AS BIGINT)
                ELSE CAST(round(p.bonus * x.usd_kzt, 2) * 100 AS BIGINT) END AS bonus_tiyn,
           CASE WHEN p.currency = 'KZT' THEN CAST(p.other_pay * 100 AS BIGINT)
                ELSE CAST(round(p.other_pay * x.usd_kzt, 2) * 100 AS BIGINT) END AS other_tiyn,
           year(coalesce(p.leave_date, CASE WHEN p.status = 'left' THEN last_day(p.month) END)) = p.year AS leaves,
           year(p.hire_date) = p.year AS hired
    FROM core.payroll_records p
    LEFT JOIN rates x ON x.year = p.year
    WHERE p.year IN (SELECT unnest($1::INTEGER[]))
)
SELECT body_code, year, position_category, pilot, employee_key,
       count(*)                            AS months,
       CAST(sum(base_tiyn) AS BIGINT)      AS base_tiyn,
       CAST(sum(bonus_tiyn) AS BIGINT)     AS bonus_tiyn,
       CAST(sum(other_tiyn) AS BIGINT)     AS other_tiyn,
       coalesce(bool_or(leaves), false)    AS left_in_year,
       coalesce(bool_or(hired), false)     AS hired_in_year,
       max(load_id)                        AS load_id
FROM r
GROUP BY ALL;

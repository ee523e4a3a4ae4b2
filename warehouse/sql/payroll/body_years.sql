-- Per body and year: months reported, sums and counts for transforms/payroll_aggregates.py.
-- Reads _pr_emp (payroll_employee_years.sql) and the month-end headcounts from the records. $1 years.
WITH hc AS (
    SELECT body_code, year, month,
           count(*) FILTER (WHERE NOT coalesce(
               coalesce(leave_date, CASE WHEN status = 'left' THEN last_day(month) END) <= last_day(month),
               false)) AS headcount
    FROM core.payroll_records
    WHERE year IN (SELECT unnest($1::INTEGER[]))
    GROUP BY ALL
), hy AS (
    SELECT body_code, year, count(*) AS months_reported, sum(headcount) AS headcount_month_sum
    FROM hc GROUP BY ALL
), ey AS (
    SELECT body_code, year,
           sum(months)                                              AS records,
           count(DISTINCT employee_key)                             AS employees,
           sum(base_tiyn)                                           AS base_tiyn,
           sum(bonus_tiyn)                                          AS bonus_tiyn,
           sum(other_tiyn)                                          AS other_tiyn,
           count(DISTINCT employee_key) FILTER (WHERE hired_in_year) AS hires,
           count(DISTINCT employee_key) FILTER (WHERE left_in_year)  AS leavers,
           max(load_id)                                             AS load_id
    FROM _pr_emp GROUP BY ALL
)
SELECT ey.body_code, CAST(ey.year AS INTEGER) AS year, CAST(hy.months_reported AS INTEGER) AS months_reported,
       CAST(ey.records AS BIGINT) AS records, ey.employees,
       CAST(ey.base_tiyn AS BIGINT) AS base_tiyn, CAST(ey.bonus_tiyn AS BIGINT) AS bonus_tiyn,
       CAST(ey.other_tiyn AS BIGINT) AS other_tiyn,
       CAST(ey.base_tiyn + ey.bonus_tiyn + ey.other_tiyn AS BIGINT) AS pay_tiyn,
       CAST(hy.headcount_month_sum AS BIGINT) AS headcount_month_sum, ey.hires, ey.leavers, ey.load_id
FROM ey JOIN hy USING (body_code, year)
ORDER BY ey.body_code, ey.year;

-- Median monthly pay per body, year and position category: the median over employees of their pay
-- in it divided by their months in it (KZT). Reads _pr_emp.
SELECT body_code, CAST(year AS INTEGER) AS year, position_category, count(*) AS employees,
       median(CAST(pay_tiyn AS DOUBLE) / CAST(months * 100 AS DOUBLE)) AS median_monthly_pay_kzt, max(load_id) AS load_id
FROM (
    SELECT body_code, year, position_category, employee_key,
           sum(base_tiyn + bonus_tiyn + other_tiyn) AS pay_tiyn, sum(months) AS months, max(load_id) AS load_id
    FROM _pr_emp GROUP BY ALL
)
GROUP BY ALL
ORDER BY body_code, year, position_category;

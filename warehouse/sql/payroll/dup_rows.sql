-- The candidate repeats (_pr_dupkeys) among the rows of {{table}} still accepted, in full (the pilot cell
-- as the file gives it, not as the registry completes it).
SELECT rowid AS _rowid, row_number, employee_key, body_code, month, position_category, grade, base_salary,
       bonus, other_pay, currency, hire_date, leave_date, status,
       CASE WHEN NOT _pilot_blank THEN pilot END AS pilot
FROM {{table}}
WHERE employee_key IS NOT NULL AND body_code IS NOT NULL AND month IS NOT NULL
  AND hash(employee_key, body_code, month) IN (SELECT h FROM _pr_dupkeys)
  AND rowid NOT IN (SELECT _rowid FROM _pr_rejects)
ORDER BY row_number;

-- The candidate repeats (_pr_dupkeys) among the rows still accepted, in full, with the resolved body.
WITH candidates AS (
    SELECT r.*
    FROM {{source}}
    WHERE r.employee_id IS NOT NULL AND r.month IS NOT NULL
      AND hash(r.employee_id, {{body}}, r.month) IN (SELECT h FROM _pr_dupkeys)
)
SELECT c._rowid, c.employee_id, m.body_code, c.month, c.position_category, c.grade, c.base_salary,
       c.bonus, c.other_pay, c.currency, c.hire_date, c.leave_date, c.status, c.pilot
FROM candidates c
JOIN _pr_bodymap m ON m.body_label = c.body_code AND m.year = year(c.month)
WHERE m.body_code IS NOT NULL AND c._rowid NOT IN (SELECT _rowid FROM _pr_rejects)
ORDER BY c._rowid;

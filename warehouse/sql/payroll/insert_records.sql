-- The accepted rows into core.payroll_records (the body-years of _pr_scope were deleted first), with
-- the employee_key instead of the id and the pilot flag from the registry where the file has none.
-- $1 load_id.
INSERT INTO core.payroll_records
WITH accepted AS (
    SELECT r.* FROM _pr_rows_numbered r
    WHERE r._rowid NOT IN (SELECT _rowid FROM _pr_rejects)
)
SELECT i.employee_key, m.body_code, CAST(year(r.month) AS SMALLINT), r.month, r.position_category, r.grade,
       r.base_salary, r.bonus, r.other_pay, r.currency, r.hire_date, r.leave_date, r.status,
       coalesce(r.pilot, b.pilot AND b.pilot_start_year IS NOT NULL AND year(r.month) >= b.pilot_start_year, false),
       $1, r._row
FROM accepted r
JOIN _pr_bodymap m ON m.body_label = r.body_code AND m.year = year(r.month)
JOIN {{stage}}.ids i ON i.employee_id = r.employee_id
LEFT JOIN core.bodies b ON b.body_code = m.body_code
WHERE m.body_code IS NOT NULL;

-- {{table}}: the file's second and last pass, parsed straight into the warehouse in the columns of
-- core.payroll_records — the id replaced by its employee_key ({{stage}}.ids), the body label by its code
-- (_pr_bodymap), the pilot flag from the registry where the file has none, the file row numbered as read
-- — followed by what a refused row needs: _has_id, the body label and why it is refused, a month that
-- did not parse as written, the parse errors ([{c: column, r: reason}]) and the file's own pilot cell.
-- The parse expressions come from pilotwatch/payroll/layout.py:parse. $1 load_id.
CREATE TABLE {{table}} AS
WITH parsed AS (
    SELECT {{parsed}}, row_number() OVER () - 1 AS _rowid
    FROM {{reader}}
), r AS (
    SELECT {{row}} AS _row, r.*
    FROM parsed r {{join}}
)
SELECT i.employee_key, m.body_code, CAST(year(r.month) AS SMALLINT) AS year, r.month, r.position_category,
       r.grade, r.base_salary, r.bonus, r.other_pay, r.currency, r.hire_date, r.leave_date, r.status,
       coalesce(r.pilot, b.pilot AND b.pilot_start_year IS NOT NULL AND year(r.month) >= b.pilot_start_year,
                false) AS pilot,
       CAST($1 AS BIGINT) AS load_id, CAST(r._row AS BIGINT) AS row_number,
       r.employee_id IS NOT NULL AS _has_id, r.body_code AS _body_label, m.reason AS _body_reason,
       {{month_text}} AS _month_text, {{errors}} AS _errors, r.pilot AS _pilot
FROM r
LEFT JOIN {{stage}}.ids i ON i.employee_id = r.employee_id
LEFT JOIN _pr_bodymap m ON m.body_label = r.body_code AND m.year IS NOT DISTINCT FROM year(r.month)
LEFT JOIN core.bodies b ON b.body_code = m.body_code
{{scope}};

-- {{table}}: the file's second and last pass, parsed straight into the warehouse in the columns of
-- core.payroll_records — the id replaced by its employee_key ({{stage}}.ids), the body label by its code
-- and the blank pilot cell by the registry's flag (_pr_bodymap, one small join), the file row numbered
-- as read — followed by the little a refused row needs: the label's id in _pr_bodymap, the parse errors
-- ([{c: column, r: reason, v: the month as written}]) and whether the file's pilot cell was blank.
-- Few and cheap on purpose: every column is compressed into the warehouse for every row.
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
       coalesce(r.pilot, m.registry_pilot, false) AS pilot,
       CAST($1 AS BIGINT) AS load_id, CAST(r._row AS BIGINT) AS row_number,
       m.label_id AS _label, {{errors}} AS _errors, r.pilot IS NULL AS _pilot_blank
FROM r
LEFT JOIN {{stage}}.ids i ON i.employee_id = r.employee_id
LEFT JOIN _pr_bodymap m ON m.body_label = r.body_code AND m.year IS NOT DISTINCT FROM year(r.month)
{{scope}};

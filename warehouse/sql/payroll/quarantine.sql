-- _pr_quarantine: the refused rows to list (at most {{limit}}), one per row with every column and
-- reason, and the raw row as JSON with the id hashed and the body label as delivered (_pr_bodymap) — from
-- {{table}} (_pr_rejects) and from the CSV
-- lines the reader refused (_pr_csv_quarantine, built in Python).
CREATE OR REPLACE TEMP TABLE _pr_quarantine AS
WITH refused AS (
    SELECT _rowid,
           string_agg(DISTINCT column_name, ', ' ORDER BY column_name) AS column_name,
           string_agg(DISTINCT reason, '; ' ORDER BY reason) AS reason
    FROM _pr_rejects
    GROUP BY _rowid
), listed AS (
    SELECT s.row_number, q.column_name, q.reason, q._rowid
    FROM refused q JOIN {{table}} s ON s.rowid = q._rowid
    UNION ALL
    SELECT row_number, column_name, reason, NULL FROM _pr_csv_quarantine
    ORDER BY row_number
    LIMIT {{limit}}
)
SELECT l.row_number, l.column_name, l.reason,
       coalesce(c.raw_row, CASE WHEN s.rowid IS NOT NULL THEN CAST(json_object(
           'employee_id', i.employee_hash, 'body_code', b.body_label,
           'position_category', s.position_category, 'grade', s.grade,
           'month', coalesce(strftime(s.month, '%Y-%m'), list_filter(s._errors, lambda x: x.c = 'month')[1].v),
           'base_salary', CAST(s.base_salary AS VARCHAR), 'bonus', CAST(s.bonus AS VARCHAR),
           'other_pay', CAST(s.other_pay AS VARCHAR), 'currency', s.currency,
           'hire_date', CAST(s.hire_date AS VARCHAR), 'leave_date', CAST(s.leave_date AS VARCHAR),
           'status', s.status, 'pilot', CASE WHEN NOT s._pilot_blank THEN s.pilot END) AS VARCHAR) END) AS raw_row
FROM listed l
LEFT JOIN {{table}} s ON s.rowid = l._rowid
LEFT JOIN {{stage}}.ids i ON i.employee_key = s.employee_key
LEFT JOIN _pr_bodymap b ON b.label_id = s._label
LEFT JOIN _pr_csv_quarantine c ON l._rowid IS NULL AND c.row_number = l.row_number;

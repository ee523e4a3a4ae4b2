-- _pr_quarantine: the refused rows to list (at most {{limit}}), one per row with every column and
-- reason, and the raw row as JSON with the id hashed — from the stage (_pr_rejects) and from the
-- CSV lines the reader refused (_pr_csv_quarantine, built in Python).
CREATE OR REPLACE TEMP TABLE _pr_quarantine AS
WITH refused AS (
    SELECT _rowid,
           string_agg(DISTINCT column_name, ', ' ORDER BY column_name) AS column_name,
           string_agg(DISTINCT reason, '; ' ORDER BY reason) AS reason
    FROM _pr_rejects
    GROUP BY _rowid
), numbered AS (
    SELECT {{row}} AS row_number, q.* FROM refused q {{join}}
), listed AS (
    SELECT row_number, column_name, reason, _rowid FROM numbered
    UNION ALL
    SELECT row_number, column_name, reason, NULL FROM _pr_csv_quarantine
    ORDER BY row_number
    LIMIT {{limit}}
)
SELECT l.row_number, l.column_name, l.reason,
       coalesce(c.raw_row, CASE WHEN s._rowid IS NOT NULL THEN CAST(json_object(
           'employee_id', i.employee_hash, 'body_code', s.body_code,
           'position_category', s.position_category, 'grade', s.grade,
           'month', coalesce(strftime(s.month, '%Y-%m'), s.month_text),
           'base_salary', CAST(s.base_salary AS VARCHAR), 'bonus', CAST(s.bonus AS VARCHAR),
           'other_pay', CAST(s.other_pay AS VARCHAR), 'currency', s.currency,
           'hire_date', CAST(s.hire_date AS VARCHAR), 'leave_date', CAST(s.leave_date AS VARCHAR),
           'status', s.status, 'pilot', s.pilot) AS VARCHAR) END) AS raw_row
FROM listed l
LEFT JOIN _pr_rows s ON s._rowid = l._rowid
LEFT JOIN {{stage}}.ids i ON i.employee_id = s.employee_id
LEFT JOIN _pr_csv_quarantine c ON l._rowid IS NULL AND c.row_number = l.row_number;

-- _pr_dupkeys: 64-bit hashes of (employee, body, month) that occur more than once: every repeat,
-- plus the odd hash collision (dup_rows.sql compares the few candidates in full).
CREATE OR REPLACE TEMP TABLE _pr_dupkeys AS
SELECT hash(r.employee_id, {{body}}, r.month) AS h
FROM {{source}}
WHERE r.employee_id IS NOT NULL AND r.month IS NOT NULL
GROUP BY 1
HAVING count(*) > 1;

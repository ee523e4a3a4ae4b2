-- _pr_dupkeys: 64-bit hashes of (employee, body, month) that occur more than once in {{table}}: every
-- repeat, plus the odd hash collision (dup_rows.sql compares the few candidates in full).
CREATE OR REPLACE TEMP TABLE _pr_dupkeys AS
SELECT hash(employee_key, body_code, month) AS h
FROM {{table}}
WHERE employee_key IS NOT NULL AND body_code IS NOT NULL AND month IS NOT NULL
GROUP BY 1
HAVING count(*) > 1;

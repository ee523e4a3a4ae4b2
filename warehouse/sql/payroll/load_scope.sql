-- _pr_scope: the body-years that the accepted rows of this file replace.
CREATE OR REPLACE TEMP TABLE _pr_scope AS
SELECT DISTINCT m.body_code, CAST(year(r.month) AS SMALLINT) AS year
FROM _pr_rows r
JOIN _pr_bodymap m ON m.body_label = r.body_code AND m.year = year(r.month) AND m.body_code IS NOT NULL
WHERE r.employee_id IS NOT NULL AND r._rowid NOT IN (SELECT _rowid FROM _pr_rejects);

-- _pr_scope: the body-years that the accepted rows of {{table}} replace.
CREATE OR REPLACE TEMP TABLE _pr_scope AS
SELECT DISTINCT body_code, year
FROM {{table}}
WHERE body_code IS NOT NULL AND year IS NOT NULL AND employee_key IS NOT NULL
  AND rowid NOT IN (SELECT _rowid FROM _pr_rejects);

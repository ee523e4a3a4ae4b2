-- The stored records of the body-years this load does not replace (_pr_scope), into {{table}}, which
-- then becomes core.payroll_records.
INSERT INTO {{table}}
SELECT p.* FROM core.payroll_records p
WHERE NOT EXISTS (SELECT 1 FROM _pr_scope s WHERE s.body_code = p.body_code AND s.year = p.year);

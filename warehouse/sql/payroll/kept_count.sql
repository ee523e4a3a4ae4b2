-- How many stored records lie outside the body-years this load replaces (_pr_scope).
SELECT count(*) FROM core.payroll_records p
WHERE NOT EXISTS (SELECT 1 FROM _pr_scope s WHERE s.body_code = p.body_code AND s.year = p.year);

-- The stored records of the body-years this load replaces (_pr_scope).
DELETE FROM core.payroll_records p USING _pr_scope s
WHERE p.body_code = s.body_code AND p.year = s.year;

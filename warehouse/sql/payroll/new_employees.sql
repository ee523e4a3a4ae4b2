-- The employee hashes this load sees for the first time, into core.payroll_employees. $1 load_id.
INSERT INTO core.payroll_employees
SELECT employee_key, employee_hash, $1 FROM {{stage}}.ids WHERE is_new;

-- pr_stage.ids (scratch): each id as delivered, its hash, and its employee_key — the stored key of
-- a known hash, else a new one after the largest stored key ($1). Reads _pr_hashes (Python's hmac).
CREATE TABLE {{stage}}.ids AS
WITH hashed AS (
    SELECT h.employee_id, h.employee_hash, e.employee_key AS known_key
    FROM _pr_hashes h
    LEFT JOIN core.payroll_employees e USING (employee_hash)
)
SELECT employee_id, employee_hash,
       coalesce(known_key, $1 + row_number() OVER (PARTITION BY known_key IS NULL ORDER BY employee_hash)) AS employee_key,
       known_key IS NULL AS is_new
FROM hashed;

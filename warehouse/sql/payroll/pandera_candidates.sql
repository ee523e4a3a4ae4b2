-- The typed rows pandera checks (schemas/payroll_records.py): those of {{table}} that parsed and on which
-- a rule may be broken ({{may_break}}: the schema's checks as SQL, pilotwatch/payroll/check.py:may_break).
SELECT *
FROM (
    SELECT rowid AS row_number, position_category, CAST(grade AS BIGINT) AS grade, month,
           CAST(base_salary AS DOUBLE) AS base_salary, CAST(bonus AS DOUBLE) AS bonus,
           CAST(other_pay AS DOUBLE) AS other_pay, currency, hire_date, leave_date, status
    FROM {{table}}
    WHERE _errors IS NULL AND month IS NOT NULL
)
WHERE {{may_break}}

-- The columns of core.payroll_records that are NOT NULL (the staged table gets the same constraints
-- before it takes the records' place).
SELECT column_name FROM duckdb_columns()
WHERE schema_name = 'core' AND table_name = 'payroll_records' AND NOT is_nullable
ORDER BY column_index;

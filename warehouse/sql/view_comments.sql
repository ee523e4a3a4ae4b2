-- Comments on views and on their columns, with whether each is set: what a migration that redefines a
-- view (CREATE OR REPLACE VIEW drops them) gets back from warehouse.migrate.
SELECT v.schema_name, v.view_name, NULL::VARCHAR AS column_name, v.comment
FROM duckdb_views() v
WHERE NOT v.internal
UNION ALL
SELECT c.schema_name, c.table_name, c.column_name, c.comment
FROM duckdb_columns() c
JOIN duckdb_views() v ON v.schema_name = c.schema_name AND v.view_name = c.table_name AND NOT v.internal

-- Every table and view (schema.name) of the catalogs a connection sees, as information_schema.tables lists them.
SELECT schema_name || '.' || table_name FROM duckdb_tables() WHERE NOT internal
UNION ALL
SELECT schema_name || '.' || view_name FROM duckdb_views() WHERE NOT internal

-- The data dictionary: every mart view and column with its COMMENT (meaning, unit, source).
SELECT v.view_name AS view, v.comment AS view_comment, c.column_index AS position, c.column_name AS column,
       c.data_type AS type, c.comment AS comment
FROM duckdb_views() v
JOIN duckdb_columns() c ON c.schema_name = v.schema_name AND c.table_name = v.view_name
WHERE v.schema_name = 'mart' AND NOT v.internal
ORDER BY v.view_name, c.column_index;

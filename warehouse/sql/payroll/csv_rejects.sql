-- The lines the CSV reader refused (store_rejects) in one pass ({{table}}: _pr_csv_rejects for the first,
-- _pr_csv_rejects2 for the parse), in file order.
SELECT line, column_idx, column_name, error_type, csv_line, error_message
FROM {{table}}
ORDER BY line, column_idx;

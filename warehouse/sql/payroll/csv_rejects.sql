-- The lines the CSV reader refused in the first pass (store_rejects), in file order.
SELECT line, column_idx, column_name, error_type, csv_line, error_message
FROM _pr_csv_rejects
ORDER BY line, column_idx;

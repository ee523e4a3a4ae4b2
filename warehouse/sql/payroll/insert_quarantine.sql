-- The listed refused rows into core.quarantine. $1 load_id, $2 dataset, $3 source_id, $4 source_uri, $5 created_at.
INSERT INTO core.quarantine (load_id, dataset, source_id, source_uri, row_number, column_name, reason, raw_row, created_at)
SELECT $1, $2, $3, $4, row_number, column_name, reason, raw_row::JSON, $5
FROM _pr_quarantine
ORDER BY row_number;

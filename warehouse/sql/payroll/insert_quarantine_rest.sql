-- One line counting the refused rows not listed. $1 load_id, $2 dataset, $3 source_id, $4 source_uri,
-- $5 reason, $6 created_at.
INSERT INTO core.quarantine (load_id, dataset, source_id, source_uri, row_number, column_name, reason, raw_row, created_at)
VALUES ($1, $2, $3, $4, NULL, NULL, $5, NULL, $6);

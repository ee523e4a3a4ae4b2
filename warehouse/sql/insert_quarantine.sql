-- Refused cells of a load (frame _quarantine, shaped by schemas.rejects.RejectedCell).
-- $1 load_id, $2 dataset, $3 source_uri, $4 created_at.
INSERT INTO core.quarantine (load_id, dataset, source_id, source_uri, row_number, column_name, reason, raw_row, created_at)
SELECT $1, $2, q.source_id, $3, q.row_number, q.column_name, q.reason, q.raw_row::JSON, $4
FROM _quarantine q;

-- The records load's audit row. $1 load_id, $2 run_id, $3 dataset, $4 source_id, $5 source_kind,
-- $6 source_uri, $7 years, $8 sha256, $9 rows_read, $10 rows_accepted, $11 rows_rejected,
-- $12 started_at, $13 finished_at, $14 status, $15 message.
INSERT INTO meta.loads (load_id, run_id, dataset, source_id, source_kind, source_uri, years, sha256,
                        rows_read, rows_accepted, rows_rejected, started_at, finished_at, status, message)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15);

-- The loads of one refresh or ingest run (Prefect artifact "loads"): accepted, refused, outcome.
SELECT l.source_id AS source, l.dataset, coalesce(l.years, '') AS years, l.status,
       coalesce(l.rows_accepted, 0) AS accepted, coalesce(l.rows_rejected, 0) AS refused,
       coalesce(l.message, '') AS message
FROM meta.loads l
WHERE l.run_id = ?
ORDER BY l.load_id;

-- What one run refused (Prefect artifact "quarantine"): reasons, most frequent first, with an example row.
WITH refused AS (
    SELECT q.* FROM core.quarantine q JOIN meta.loads l USING (load_id) WHERE l.run_id = ?
)
SELECT source_id AS source, coalesce(column_name, '') AS "column", reason, count(*) AS "rows",
       min(row_number) AS first_row
FROM refused
GROUP BY ALL
ORDER BY "rows" DESC, source, reason
LIMIT 20;

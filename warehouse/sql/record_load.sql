-- The one write of a load's record (pilotwatch.loads.ledger.write_row). Named parameters.
INSERT INTO meta.loads (
    load_id, run_id, dataset, source_id, source_kind, source_uri, years, sha256,
    rows_read, rows_accepted, rows_rejected, started_at, finished_at, status, message
) VALUES (
    $load_id, $run_id, $dataset, $source_id, $source_kind, $source_uri, $years, $sha256,
    $rows_read, $rows_accepted, $rows_rejected, $started_at, $finished_at, $status, $message
);

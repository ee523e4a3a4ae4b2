-- Analysis runs that failed since the last good one. Read from meta.analysis_runs, the table behind
-- mart.analysis_runs: the view's per-run subqueries (is_latest, inputs_current) tripled the query's cost.
SELECT count(*) FROM meta.analysis_runs r WHERE status = 'failed' AND
    started_at > coalesce((SELECT max(finished_at) FROM meta.analysis_runs WHERE status = 'ok'), TIMESTAMP '1900-01-01')

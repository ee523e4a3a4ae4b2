-- Analysis runs that failed since the last good one.
SELECT count(*) FROM mart.analysis_runs r WHERE status = 'failed' AND
    started_at > coalesce((SELECT max(finished_at) FROM mart.analysis_runs WHERE status = 'ok'), TIMESTAMP '1900-01-01')

-- The latest analysis run of each configuration.
SELECT config, status, finished_at, inputs_current, left(run_id, 8) AS run
    FROM mart.analysis_runs WHERE is_latest ORDER BY config

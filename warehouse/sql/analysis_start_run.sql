-- Record an analysis run as running (a run that fails stays recorded with its error).
INSERT INTO meta.analysis_runs (run_id, config, parameters, load_ids, inflation_series, flow_run_id, started_at, status, code_version)
VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?)

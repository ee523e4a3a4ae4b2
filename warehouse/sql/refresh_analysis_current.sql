-- The latest successful run of a configuration: are its inputs still the loaded ones, and with which
-- parameters (JSON) and which analysis code was it computed. $1 config. No row: never run.
SELECT inputs_current, parameters, code_version FROM mart.analysis_runs WHERE config = $1 AND is_latest;

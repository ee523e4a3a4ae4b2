-- 072: the analysis code that computed a run (issue 14: a refresh skips the analysis when nothing it
-- reads changed; the code is one of those things). pilotwatch's version and a digest of the analysis
-- modules' source (pilotwatch.analysis.config.code_version). Runs recorded before this migration have
-- NULL, so the first refresh after the upgrade recomputes.
ALTER TABLE meta.analysis_runs ADD COLUMN code_version VARCHAR;

CREATE OR REPLACE VIEW mart.analysis_runs AS
SELECT r.run_id, r.config, r.status, r.started_at, r.finished_at,
       r.run_id IN (SELECT run_id FROM meta.analysis_latest) AS is_latest,
       list_sort(r.load_ids) = (
           SELECT list_sort(list(DISTINCT load_id)) FROM (
               SELECT load_id FROM core.indicator_facts
               UNION SELECT load_id FROM core.macro_series WHERE series = r.inflation_series)
       ) AS inputs_current,
       r.load_ids, r.inflation_series, r.parameters, r.row_counts, r.flow_run_id, r.message, r.code_version
FROM meta.analysis_runs r;

COMMENT ON COLUMN mart.analysis_runs.code_version IS 'pilotwatch''s version and a digest of the analysis code that computed the run; a refresh recomputes when it differs from the installed code (null: recorded before migration 072).';

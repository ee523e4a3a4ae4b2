-- Targets per body-year-indicator, for behind_target.
SELECT body_code, year, indicator, value AS target, load_id AS target_load_id FROM mart.targets

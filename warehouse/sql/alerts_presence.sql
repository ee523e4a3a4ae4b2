-- Which dataset-year-body combinations the warehouse holds (macro series have no body).
SELECT DISTINCT dataset, year, body_code FROM core.indicator_facts
UNION SELECT DISTINCT dataset, year, body_code FROM core.targets
UNION SELECT DISTINCT dataset, year, NULL::VARCHAR FROM core.macro_series

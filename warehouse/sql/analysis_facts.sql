-- Every indicator value the analysis may read (bodies and peer groups, every basis; the configuration
-- chooses the basis), with the load it came from.
SELECT body_code, year, indicator, value, basis, load_id
FROM core.indicator_facts
ORDER BY body_code, indicator, year, basis

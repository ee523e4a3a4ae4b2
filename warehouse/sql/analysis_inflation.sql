-- One macro series (the configured inflation source) as year, pct (% over the previous year).
SELECT year, value AS pct, load_id
FROM core.macro_series
WHERE series = ?
ORDER BY year

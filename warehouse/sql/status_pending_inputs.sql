-- Inputs still pending, per year and dataset, with the bodies waiting.
SELECT year, dataset, string_agg(body_code, ', ' ORDER BY body_code) AS bodies, count(*) AS body_count
FROM mart.pending_inputs
GROUP BY year, dataset ORDER BY year, dataset

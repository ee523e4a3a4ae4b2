-- The partial years among $1 (a list of years), each with the dataset it waits for and the bodies
-- still missing it (pilotwatch.refresh.pending_lines; mart.pending_inputs says why).
SELECT year, dataset, string_agg(body_code, ', ' ORDER BY body_code) AS bodies
FROM mart.pending_inputs
WHERE list_contains($1, year)
GROUP BY ALL
ORDER BY ALL

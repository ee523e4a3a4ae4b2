-- Freshness per dataset: when it was last loaded or found unchanged, and its newest year of data.
SELECT l.dataset, max(l.finished_at) AS last_checked, max(y.newest_year) AS newest_year
FROM meta.loads l
LEFT JOIN (SELECT dataset, max(year) AS newest_year FROM core.indicator_facts GROUP BY dataset
           UNION ALL SELECT dataset, max(year) FROM core.macro_series GROUP BY dataset) y USING (dataset)
WHERE l.status IN ('loaded', 'unchanged')
GROUP BY l.dataset
ORDER BY l.dataset;

-- The last successful (or confirmed unchanged) load of each dataset.
SELECT dataset, max(finished_at) AS last_success FROM mart.loads
    WHERE status IN ('loaded', 'unchanged') GROUP BY dataset ORDER BY dataset

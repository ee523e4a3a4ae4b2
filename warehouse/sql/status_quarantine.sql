-- Quarantined rows per dataset.
SELECT dataset, count(*) AS rows, max(created_at) AS newest FROM mart.quarantine
    GROUP BY dataset ORDER BY dataset

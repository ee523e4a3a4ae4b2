-- The CE plane of one configuration and scope (year: bodies compared within a year; body: a body's years),
-- one group or every group of the scope when the group is null.
SELECT group_key, body_code, body_name, year, label, incremental_cost, incremental_points, icer, status,
       dominated_by, compared_with, price_year, currency, discount_rate, discount_base_year
FROM mart.ce_plane
WHERE config = ? AND scope = ? AND (group_key = ? OR ? IS NULL)
ORDER BY group_key, incremental_cost

-- Pilot bodies that have any indicator value.
SELECT b.body_code FROM mart.bodies b
WHERE b.pilot AND b.kind = 'body' AND EXISTS (SELECT 1 FROM mart.indicator_values v WHERE v.body_code = b.body_code)
ORDER BY b.level, b.body_code

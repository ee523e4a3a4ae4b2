-- Published values of a body and its peer group.
SELECT v.body_code, v.year, v.indicator, v.value FROM mart.indicator_values v
WHERE v.body_code IN (?, ?) AND v.basis = 'published'

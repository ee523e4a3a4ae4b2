-- One value per body-year-indicator (published preferred over derived), with provenance.
SELECT v.body_code, v.body_name, v.body_kind, v.year, v.factor, v.indicator, i.name AS indicator_name,
       i.role, v.value, v.unit, v.direction, v.load_id, l.source_uri
FROM mart.indicator_values v
JOIN core.indicators i USING (indicator)
LEFT JOIN meta.loads l USING (load_id)
QUALIFY row_number() OVER (PARTITION BY v.body_code, v.indicator, v.year
                           ORDER BY (v.basis = 'published') DESC) = 1
ORDER BY v.body_code, v.indicator, v.year

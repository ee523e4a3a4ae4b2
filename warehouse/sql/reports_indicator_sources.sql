-- Where each of a body's indicator values came from (dataset and source).
SELECT v.indicator, string_agg(DISTINCT l.dataset || ' (' || l.source_id || ')', '; ' ORDER BY l.dataset || ' (' || l.source_id || ')') AS refs
FROM mart.indicator_values v JOIN mart.loads l USING (load_id) WHERE v.body_code = ? GROUP BY v.indicator

-- The published values of the bodies and indicators about to be loaded (_candidates: body_code, indicator).
WITH wanted AS (SELECT DISTINCT body_code, indicator FROM _candidates)
SELECT f.body_code, f.year, f.indicator, f.value
FROM core.indicator_facts f
JOIN wanted USING (body_code, indicator)
WHERE f.basis = 'published';

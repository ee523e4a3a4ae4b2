-- Completeness per body-year (a warehouse check): every (body, year) with any published fact, crossed with
-- every effect, mediator and cost indicator; `missing` names the absent body-year-indicator, else NULL.
-- (Body-years known only from payroll microdata, basis 'derived', carry payroll figures alone.)
WITH body_years AS (SELECT DISTINCT body_code, year FROM core.indicator_facts WHERE basis = 'published'),
     needed AS (SELECT indicator FROM core.indicators WHERE role IN ('effect', 'mediator', 'cost'))
SELECT b.body_code, b.year, n.indicator,
       CASE WHEN f.body_code IS NULL THEN b.body_code || ' ' || b.year || ' ' || n.indicator END AS missing
FROM body_years b CROSS JOIN needed n
LEFT JOIN (SELECT DISTINCT body_code, year, indicator FROM core.indicator_facts) f
       ON f.body_code = b.body_code AND f.year = b.year AND f.indicator = n.indicator
ORDER BY ALL;

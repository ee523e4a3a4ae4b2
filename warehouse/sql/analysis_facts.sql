-- Every indicator value the analysis may read (bodies and peer groups, every basis; the configuration
-- chooses the basis), with the load it came from. Body-years of a partial year (mart.pending_inputs:
-- some but not all effect, mediator and cost values published) are left out until they are complete,
-- so the analysis is never computed on half a year's inputs.
SELECT f.body_code, f.year, f.indicator, f.value, f.basis, f.load_id
FROM core.indicator_facts f
ANTI JOIN (SELECT DISTINCT body_code, year FROM mart.pending_inputs) p
       ON p.body_code = f.body_code AND p.year = f.year
ORDER BY f.body_code, f.indicator, f.year, f.basis

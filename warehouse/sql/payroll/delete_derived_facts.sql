-- The derived payroll facts of some years, before they are written again. $1 dataset, $2 years (INTEGER[]).
DELETE FROM core.indicator_facts
WHERE basis = 'derived' AND dataset = $1 AND year IN (SELECT unnest($2::INTEGER[]));

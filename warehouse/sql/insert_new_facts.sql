-- Insert the loaded rows except those a correction keeps (see fact_changes.sql).
INSERT INTO core.indicator_facts (body_code, year, indicator, value, unit, basis, dataset, load_id)
SELECT n.body_code, n.year, n.indicator, n.value, n.unit, n.basis, n.dataset, n.load_id
FROM _new_facts n
WHERE NOT EXISTS (
    SELECT 1 FROM _fact_changes c
    WHERE c.protected AND c.body_code = n.body_code AND c.year = n.year
      AND c.indicator = n.indicator AND c.basis = n.basis
);

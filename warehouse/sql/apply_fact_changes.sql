-- Apply _fact_changes (warehouse/sql/fact_changes.sql): drop the replaced rows, keep the protected ones.
DELETE FROM core.indicator_facts f
WHERE EXISTS (
    SELECT 1 FROM _fact_changes c
    WHERE NOT c.protected AND c.change IN ('changed', 'removed', 'same')
      AND c.body_code = f.body_code AND c.year = f.year AND c.indicator = f.indicator AND c.basis = f.basis
);

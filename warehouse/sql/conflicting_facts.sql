-- Published facts about to be replaced by a different source with a different value.
-- _new_facts: the rows being loaded; $1 = this load's source_id.
SELECT f.body_code, f.year, f.indicator, f.value AS old_value, n.value AS new_value, l.source_id AS old_source
FROM core.indicator_facts f
JOIN _new_facts n USING (body_code, year, indicator, basis)
JOIN meta.loads l ON l.load_id = f.load_id
WHERE l.source_id <> $1 AND abs(f.value - n.value) > 1e-9
ORDER BY f.body_code, f.year, f.indicator;

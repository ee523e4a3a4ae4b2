-- The changes one load makes to core.indicator_facts, with the precedence rule applied
-- (pilotwatch/revisions.py says why). _new_facts: the rows being loaded.
-- $1 = the load's source_id, $2 = sha256 of what it read, $3 = mode ('cells' | 'body_years').
CREATE OR REPLACE TEMP TABLE _fact_changes AS
WITH new AS (
    SELECT * FROM _new_facts
), scope AS (  -- published rows this load may replace: the cells it names, or its whole body-years
    SELECT f.* FROM core.indicator_facts f
    WHERE EXISTS (
        SELECT 1 FROM new n
        WHERE n.body_code = f.body_code AND n.year = f.year AND n.basis = f.basis
          AND (n.indicator = f.indicator OR ($3 = 'body_years' AND n.dataset = f.dataset))
    )
), corrected AS (  -- set by a correction made after this very content had been loaded: it stays
    SELECT s.body_code, s.year, s.indicator, s.basis FROM scope s
    WHERE $3 = 'body_years'
      AND EXISTS (SELECT 1 FROM core.value_history h
                  WHERE h.load_id = s.load_id AND h.mode = 'cells' AND h.change IN ('added', 'changed')
                    AND h.body_code = s.body_code AND h.year = s.year
                    AND h.indicator = s.indicator AND h.basis = s.basis)
      AND EXISTS (SELECT 1 FROM meta.loads l
                  WHERE l.source_id = $1 AND l.sha256 = $2 AND l.status = 'loaded' AND l.load_id < s.load_id)
), joined AS (
    SELECT coalesce(n.body_code, s.body_code) AS body_code, coalesce(n.year, s.year) AS year,
           coalesce(n.indicator, s.indicator) AS indicator, coalesce(n.basis, s.basis) AS basis,
           coalesce(n.dataset, s.dataset) AS dataset,
           n.value, s.value AS previous_value, s.load_id AS previous_load_id,
           n.body_code IS NOT NULL AS offered, s.body_code IS NOT NULL AS existed,
           c.body_code IS NOT NULL AS protected,
           coalesce(n.unit IS DISTINCT FROM s.unit, false) AS unit_changed
    FROM new n
    FULL JOIN scope s ON n.body_code = s.body_code AND n.year = s.year
                     AND n.indicator = s.indicator AND n.basis = s.basis
    LEFT JOIN corrected c ON c.body_code = s.body_code AND c.year = s.year
                         AND c.indicator = s.indicator AND c.basis = s.basis
)
SELECT body_code, year, indicator, basis, dataset, value, previous_value, previous_load_id, protected,
       CASE
           WHEN NOT existed THEN 'added'
           WHEN protected THEN CASE WHEN offered AND abs(value - previous_value) <= 1e-9 THEN 'same' ELSE 'kept' END
           WHEN NOT offered THEN 'removed'
           WHEN abs(value - previous_value) > 1e-9 OR unit_changed THEN 'changed'
           ELSE 'same'
       END AS change
FROM joined;

-- Refusals that SQL finds: values that did not parse, a missing id or body, a body nobody knows
-- (_pr_bodymap, resolved once per label and year), USD in a year without a rate. $1 rate series.
INSERT INTO _pr_rejects
WITH parse_errors AS (
    SELECT _rowid, e.c AS column_name, e.r AS reason
    FROM (SELECT _rowid, unnest(_errors) AS e FROM _pr_rows WHERE _errors IS NOT NULL)
), missing_ids AS (
    SELECT _rowid, 'employee_id' AS column_name, 'employee_id is missing' AS reason
    FROM _pr_rows WHERE employee_id IS NULL
), missing_bodies AS (
    SELECT _rowid, 'body_code' AS column_name, 'body_code is missing' AS reason
    FROM _pr_rows WHERE body_code IS NULL
), unknown_bodies AS (
    SELECT r._rowid, 'body_code' AS column_name, m.reason
    FROM _pr_rows r
    JOIN _pr_bodymap m ON m.body_label = r.body_code AND m.year IS NOT DISTINCT FROM year(r.month)
    WHERE m.reason IS NOT NULL
), no_rate AS (
    SELECT r._rowid, 'currency' AS column_name,
           'no ' || $1 || ' rate for ' || year(r.month) || ' to convert USD (load the exchange-rate series first)' AS reason
    FROM _pr_rows r
    WHERE r.currency = 'USD' AND r.month IS NOT NULL AND year(r.month) NOT IN (SELECT year FROM _pr_rates)
)
SELECT * FROM parse_errors
UNION ALL SELECT * FROM missing_ids
UNION ALL SELECT * FROM missing_bodies
UNION ALL SELECT * FROM unknown_bodies
UNION ALL SELECT * FROM no_rate;

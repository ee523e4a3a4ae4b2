-- Refusals that SQL finds in {{table}}: values that did not parse, a missing id, month or body, a body
-- nobody knows (_pr_bodymap, resolved once per label and year: a staged row without a body code has its
-- label's id and the reason there), USD in a year without a rate. $1 rate series.
INSERT INTO _pr_rejects
WITH parse_errors AS (
    SELECT _rowid, e.c AS column_name, e.r AS reason
    FROM (SELECT rowid AS _rowid, unnest(_errors) AS e FROM {{table}} WHERE _errors IS NOT NULL)
), missing_ids AS (
    SELECT rowid AS _rowid, 'employee_id' AS column_name, 'employee_id is missing' AS reason
    FROM {{table}} WHERE employee_key IS NULL
), missing_months AS (
    SELECT rowid AS _rowid, 'month' AS column_name, 'month is missing' AS reason
    FROM {{table}} WHERE month IS NULL AND NOT coalesce(list_contains(list_transform(_errors, lambda x: x.c), 'month'), false)
), missing_bodies AS (
    SELECT rowid AS _rowid, 'body_code' AS column_name, 'body_code is missing' AS reason
    FROM {{table}} WHERE _label IS NULL
), unknown_bodies AS (
    SELECT s.rowid AS _rowid, 'body_code' AS column_name, m.reason
    FROM {{table}} s JOIN _pr_bodymap m ON m.label_id = s._label
    WHERE s.body_code IS NULL
), no_rate AS (
    SELECT rowid AS _rowid, 'currency' AS column_name,
           'no ' || $1 || ' rate for ' || year || ' to convert USD (load the exchange-rate series first)' AS reason
    FROM {{table}}
    WHERE currency = 'USD' AND month IS NOT NULL AND year NOT IN (SELECT year FROM _pr_rates)
)
SELECT * FROM parse_errors
UNION ALL SELECT * FROM missing_ids
UNION ALL SELECT * FROM missing_months
UNION ALL SELECT * FROM missing_bodies
UNION ALL SELECT * FROM unknown_bodies
UNION ALL SELECT * FROM no_rate;

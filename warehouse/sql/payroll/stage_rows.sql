-- pr_stage.rows (scratch): the file parsed by DuckDB's own reader into typed columns, with
-- month_text (a month that did not parse, as written) and _errors ([{c: column, r: reason}] for the
-- values that did not parse). The expressions come from pilotwatch/payroll/layout.py:parse.
CREATE TABLE {{stage}}.rows AS
WITH parsed AS (
    SELECT {{parsed}}
    FROM {{reader}}
)
SELECT {{columns}}, {{month_text}} AS month_text, {{errors}} AS _errors
FROM parsed;

-- pr_stage.labels (scratch: it holds the ids as delivered): the first pass over the file. One row per
-- distinct id (is_label false) and one per body label and year with its row count (is_label true).
-- Every column is read ({{touched}}), so that a value that does not parse refuses its line here as in
-- the second pass (staged_records.sql) and both number the rows alike.
CREATE TABLE {{stage}}.labels AS
WITH parsed AS (
    SELECT {{employee_id}} AS employee_id, {{body_code}} AS body_code,
           CAST(year({{month}}) AS BIGINT) AS year, {{touched}} AS touched
    FROM {{reader}}
)
SELECT employee_id, body_code AS body_label, year, count(*) AS rows, bool_or(touched) AS touched,
       grouping(employee_id) = 1 AS is_label
FROM parsed
GROUP BY GROUPING SETS ((employee_id), (body_code, year));

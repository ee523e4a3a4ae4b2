-- pr_stage.labels (scratch: it holds the ids as delivered): the first pass over the file. One row per
-- distinct id (is_label false) and one per body label and year with its row count (is_label true).
-- Only these three columns are read: the reader converts no other, so this pass costs a fraction of
-- the parse (staged_records.sql), which refuses the lines with a value that does not convert.
CREATE TABLE {{stage}}.labels AS
WITH parsed AS (
    SELECT {{employee_id}} AS employee_id, {{body_code}} AS body_code,
           CAST(year({{month}}) AS BIGINT) AS year
    FROM {{reader}}
)
SELECT employee_id, body_code AS body_label, year, count(*) AS rows,
       grouping(employee_id) = 1 AS is_label
FROM parsed
GROUP BY GROUPING SETS ((employee_id), (body_code, year));

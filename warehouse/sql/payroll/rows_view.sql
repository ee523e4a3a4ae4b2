-- _pr_rows: the stage rows of the requested year(s), with the stage's rowid as _rowid.
CREATE OR REPLACE TEMP VIEW _pr_rows AS
SELECT rowid AS _rowid, *
FROM {{stage}}.rows
{{scope}};

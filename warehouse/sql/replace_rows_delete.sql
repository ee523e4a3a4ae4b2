-- replace_rows: delete the target's rows whose scope columns match a row of the registered _replace_frame
-- (slots: the table, the scope column list and the null-safe join condition on them).
DELETE FROM {table} t
WHERE EXISTS (SELECT 1 FROM (SELECT DISTINCT {scope} FROM _replace_frame) f WHERE {on})

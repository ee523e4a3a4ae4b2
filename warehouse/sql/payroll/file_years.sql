-- The years of the file as the first pass saw them ({{stage}}.labels): the exchange rates the load needs.
SELECT DISTINCT year FROM {{stage}}.labels
WHERE is_label AND year IS NOT NULL
ORDER BY 1;

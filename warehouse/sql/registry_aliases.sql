-- Every spelling ingestion resolves bodies by: the registry's (data/reference) and the analysts' local ones.
SELECT alias, body_code, valid_from, valid_to FROM core.body_aliases
UNION ALL
SELECT alias, body_code, NULL::INTEGER, NULL::INTEGER FROM core.local_body_aliases;

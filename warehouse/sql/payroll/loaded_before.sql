-- Was a load of this source ever recorded as loaded or unchanged? $1 dataset, $2 source_uri.
SELECT 1 FROM meta.loads
WHERE dataset = $1 AND source_uri = $2 AND status IN ('loaded', 'unchanged')
LIMIT 1;

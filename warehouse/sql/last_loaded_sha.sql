-- sha256 of the last successful load of a source for a dataset and year set. $1 source_id, $2 dataset, $3 years.
SELECT sha256 FROM meta.loads
WHERE source_id = $1 AND dataset = $2 AND years = $3 AND status IN ('loaded', 'unchanged')
ORDER BY load_id DESC LIMIT 1;

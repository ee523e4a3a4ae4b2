-- Values held by the plausibility check (_held, with hold_id). $1 load_id, $2 dataset, $3 source_id, $4 created_at.
INSERT INTO core.held_values (hold_id, load_id, dataset, source_id, row_number, column_name, body_code, year,
                              indicator, value, unit, reason, history, lineage, created_at)
SELECT hold_id, $1, $2, $3, row_number, _column, body_code, year, indicator, value, unit, reason,
       history::JSON, lineage::JSON, $4
FROM _held;

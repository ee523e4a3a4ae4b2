-- Raw rows of a load, as read (strings), for provenance and replays. $1 = load_id.
INSERT INTO raw.source_rows (load_id, row_number, raw_row)
SELECT $1, row_number, raw_row::JSON FROM _raw_rows;

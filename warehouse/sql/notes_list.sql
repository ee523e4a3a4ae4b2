-- A body's notes, by stage and year.
SELECT note_id, stage, year, author, created_at, is_latest, note FROM mart.analyst_notes WHERE body_code = ? ORDER BY stage, year, note_id

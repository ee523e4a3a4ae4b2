-- A body's latest analyst notes, one per stage and year.
SELECT stage, year, note, author, created_at FROM mart.analyst_notes
    WHERE body_code = ? AND is_latest ORDER BY year NULLS FIRST, note_id

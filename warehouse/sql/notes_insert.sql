-- Save an analyst's note; returns its id.
INSERT INTO core.analyst_notes (body_code, stage, year, note, author, created_at)
VALUES (?, ?, ?, ?, ?, ?) RETURNING note_id

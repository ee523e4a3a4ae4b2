-- 050: analyst notes for the qualitative diagnostics stages (thesis Annex N, tables 3 and 4).
-- Structural harmony, foreign comparison and life cycle are judgements, not computations: analysts
-- write them (`pilotwatch note`) and the report renders the latest note per body, stage and year.
CREATE SEQUENCE meta.note_id_seq START 1;
CREATE TABLE core.analyst_notes (
    note_id     BIGINT PRIMARY KEY DEFAULT nextval('meta.note_id_seq'),
    body_code   VARCHAR NOT NULL,
    stage       VARCHAR NOT NULL CHECK (stage IN (
                    'structural_harmony', 'country_comparison', 'life_cycle', 'survey', 'cost_effectiveness',
                    'as_is', 'transformation', 'to_be')),
    year        INTEGER,
    note        VARCHAR NOT NULL CHECK (length(trim(note)) > 0),
    author      VARCHAR NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

CREATE OR REPLACE VIEW mart.analyst_notes AS
SELECT n.note_id, n.body_code, b.name_en AS body_name, n.stage, n.year, n.note, n.author, n.created_at,
       n.note_id = max(n.note_id) OVER (PARTITION BY n.body_code, n.stage, n.year) AS is_latest
FROM core.analyst_notes n LEFT JOIN core.bodies b USING (body_code);

COMMENT ON VIEW mart.analyst_notes IS 'Analyst-written conclusions for the qualitative diagnostics stages (thesis Annex N tables 3-4), one row per note; the report shows the latest per body, stage and year. Source: `pilotwatch note`.';
COMMENT ON COLUMN mart.analyst_notes.note_id IS 'Identifier of the note (increasing: a later note has a larger id).';
COMMENT ON COLUMN mart.analyst_notes.body_code IS 'Body the note is about (-> mart.bodies).';
COMMENT ON COLUMN mart.analyst_notes.body_name IS 'English name of the body.';
COMMENT ON COLUMN mart.analyst_notes.stage IS 'Diagnostics stage: structural_harmony, country_comparison, life_cycle, survey, cost_effectiveness (Annex N table 3) or as_is, transformation, to_be (table 4).';
COMMENT ON COLUMN mart.analyst_notes.year IS 'Year the note refers to (the diagnostics round); null: not tied to a year.';
COMMENT ON COLUMN mart.analyst_notes.note IS 'The conclusion, as written by the analyst (plain text).';
COMMENT ON COLUMN mart.analyst_notes.author IS 'Who wrote it (--author, default the login name).';
COMMENT ON COLUMN mart.analyst_notes.created_at IS 'When it was written (UTC).';
COMMENT ON COLUMN mart.analyst_notes.is_latest IS 'True for the newest note of its body, stage and year (the one the report shows).';

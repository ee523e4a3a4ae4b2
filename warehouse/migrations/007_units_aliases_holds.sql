-- 007: units, local body aliases and plausibility holds (issue 12 items 1-3).
-- value_lineage: how each loaded value was read (its text, the unit found and where, the conversion).
-- local_body_aliases: spellings accepted by an analyst (`pilotwatch bodies alias add`), kept in the
--   warehouse and never in the repository; registry seeding does not touch them.
-- held_values: values far outside the body's own history, held as suspected unit or scale errors
--   until an analyst releases them (`pilotwatch quarantine release ID`).
CREATE TABLE core.value_lineage (
    load_id      BIGINT NOT NULL,
    row_number   BIGINT NOT NULL,
    column_name  VARCHAR,
    body_code    VARCHAR NOT NULL,
    year         INTEGER NOT NULL,
    indicator    VARCHAR NOT NULL,
    value        DOUBLE NOT NULL,
    unit         VARCHAR NOT NULL,
    value_text   VARCHAR,
    unit_found   VARCHAR,
    unit_source  VARCHAR,
    from_unit    VARCHAR,
    factor       DOUBLE,
    rate         DOUBLE,
    rate_series  VARCHAR,
    rate_year    INTEGER
);

CREATE TABLE core.local_body_aliases (
    alias       VARCHAR NOT NULL,
    alias_norm  VARCHAR NOT NULL PRIMARY KEY,
    body_code   VARCHAR NOT NULL,
    added_by    VARCHAR NOT NULL,
    added_at    TIMESTAMP NOT NULL,
    note        VARCHAR
);

CREATE SEQUENCE meta.hold_id_seq START 1;
CREATE TABLE core.held_values (
    hold_id      BIGINT PRIMARY KEY,
    load_id      BIGINT NOT NULL,
    dataset      VARCHAR NOT NULL,
    source_id    VARCHAR NOT NULL,
    row_number   BIGINT,
    column_name  VARCHAR,
    body_code    VARCHAR NOT NULL,
    year         INTEGER NOT NULL,
    indicator    VARCHAR NOT NULL,
    value        DOUBLE NOT NULL,
    unit         VARCHAR NOT NULL,
    reason       VARCHAR NOT NULL,
    history      JSON NOT NULL,
    lineage      JSON,
    created_at   TIMESTAMP NOT NULL,
    released_at  TIMESTAMP,
    released_by  VARCHAR
);

CREATE OR REPLACE VIEW mart.value_lineage AS
SELECT load_id, row_number, column_name, body_code, year, indicator, value, unit, value_text, unit_found,
       unit_source, from_unit, factor, rate, rate_series, rate_year
FROM core.value_lineage;

CREATE OR REPLACE VIEW mart.local_body_aliases AS
SELECT alias, body_code, added_by, added_at, note FROM core.local_body_aliases;

CREATE OR REPLACE VIEW mart.held_values AS
SELECT hold_id, load_id, dataset, source_id, row_number, column_name, body_code, year, indicator, value, unit,
       reason, history, created_at, released_at, released_by,
       CASE WHEN released_at IS NULL THEN 'held' ELSE 'released' END AS status
FROM core.held_values;

COMMENT ON VIEW mart.value_lineage IS 'How each loaded value was read: the text in the source, the unit found and where, and the conversion to the indicator''s unit (factor, exchange rate and its series). Source: every load of an indicator dataset.';
COMMENT ON COLUMN mart.value_lineage.load_id IS 'The load that read the value (-> mart.loads).';
COMMENT ON COLUMN mart.value_lineage.row_number IS 'Row number in the source file (1 = first data row).';
COMMENT ON COLUMN mart.value_lineage.column_name IS 'Source column (header) holding the value.';
COMMENT ON COLUMN mart.value_lineage.body_code IS 'Body the value is about (-> mart.bodies).';
COMMENT ON COLUMN mart.value_lineage.year IS 'Year the value describes.';
COMMENT ON COLUMN mart.value_lineage.indicator IS 'Indicator it was stored as (an alternative indicator when its unit does not convert, see data/reference/unit_alternatives.csv).';
COMMENT ON COLUMN mart.value_lineage.value IS 'The value as stored, in unit (after conversion).';
COMMENT ON COLUMN mart.value_lineage.unit IS 'The indicator''s declared unit (data/reference/indicators.csv).';
COMMENT ON COLUMN mart.value_lineage.value_text IS 'The cell as written in the source (e.g. 5 280,0 млн. тенге).';
COMMENT ON COLUMN mart.value_lineage.unit_found IS 'The unit text as found (e.g. млн. тенге, %); null when assumed.';
COMMENT ON COLUMN mart.value_lineage.unit_source IS 'Where the unit came from: cell, unit column (a unit column, units row or header unit filled by the reader), header, or assumed (the catalogue entry says units: {assume_declared: true}).';
COMMENT ON COLUMN mart.value_lineage.from_unit IS 'The unit read, as pilotwatch writes it (e.g. mln KZT, points of 5).';
COMMENT ON COLUMN mart.value_lineage.factor IS 'value = number in the source x factor (1 when no conversion).';
COMMENT ON COLUMN mart.value_lineage.rate IS 'Exchange rate used (KZT per USD), null when none.';
COMMENT ON COLUMN mart.value_lineage.rate_series IS 'Macro series of the rate (mart.macro series, e.g. usd_kzt), null when none.';
COMMENT ON COLUMN mart.value_lineage.rate_year IS 'Year of the rate (the value''s year), null when none.';

COMMENT ON VIEW mart.local_body_aliases IS 'Body spellings accepted locally by analysts (pilotwatch bodies alias add), on top of data/reference/body_aliases.csv; kept in the warehouse, never in the repository.';
COMMENT ON COLUMN mart.local_body_aliases.alias IS 'The spelling as given (matched after normalisation: case, quotes, spaces).';
COMMENT ON COLUMN mart.local_body_aliases.body_code IS 'Body it names (-> mart.bodies).';
COMMENT ON COLUMN mart.local_body_aliases.added_by IS 'Who added it (--by, default the login name).';
COMMENT ON COLUMN mart.local_body_aliases.added_at IS 'When it was added (UTC).';
COMMENT ON COLUMN mart.local_body_aliases.note IS 'Why, as written by whoever added it; null when none.';

COMMENT ON VIEW mart.held_values IS 'Values held as a suspected unit or scale error: far outside the body''s own history (data/reference/plausibility.csv), not loaded and not alerted on until an analyst releases them (pilotwatch quarantine release HOLD_ID). Also listed in mart.quarantine.';
COMMENT ON COLUMN mart.held_values.hold_id IS 'Identifier to release the value with (pilotwatch quarantine release HOLD_ID).';
COMMENT ON COLUMN mart.held_values.load_id IS 'The load that held it (-> mart.loads); a released value is stored under this load.';
COMMENT ON COLUMN mart.held_values.dataset IS 'Dataset the value was meant for.';
COMMENT ON COLUMN mart.held_values.source_id IS 'Catalogue entry of the source.';
COMMENT ON COLUMN mart.held_values.row_number IS 'Row number in the source file.';
COMMENT ON COLUMN mart.held_values.column_name IS 'Source column (header) holding the value.';
COMMENT ON COLUMN mart.held_values.body_code IS 'Body the value is about (-> mart.bodies).';
COMMENT ON COLUMN mart.held_values.year IS 'Year the value describes.';
COMMENT ON COLUMN mart.held_values.indicator IS 'Indicator code.';
COMMENT ON COLUMN mart.held_values.value IS 'The value as read and converted, in unit.';
COMMENT ON COLUMN mart.held_values.unit IS 'Unit of value (the indicator''s declared unit).';
COMMENT ON COLUMN mart.held_values.reason IS 'Why it was held: the ratio to the body''s history and the scale it looks like.';
COMMENT ON COLUMN mart.held_values.history IS 'The body''s values it was compared with (JSON: year -> value).';
COMMENT ON COLUMN mart.held_values.created_at IS 'When it was held (UTC).';
COMMENT ON COLUMN mart.held_values.released_at IS 'When an analyst released it into the facts (UTC); null while held.';
COMMENT ON COLUMN mart.held_values.released_by IS 'Who released it; null while held.';
COMMENT ON COLUMN mart.held_values.status IS 'held (not in the facts) or released (loaded by pilotwatch quarantine release).';

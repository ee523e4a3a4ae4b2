-- 006: corrections patch, revisions are kept; partial years are published and say what they wait for.
-- Every change a load makes to a published indicator value is one row of core.value_history; the
-- precedence rule (a correction outranks a re-read of a delivery it corrected) is recorded there too.
CREATE SEQUENCE IF NOT EXISTS meta.value_history_id_seq START 1;

CREATE TABLE core.value_history (
    history_id        BIGINT PRIMARY KEY,
    body_code         VARCHAR NOT NULL,
    year              INTEGER NOT NULL,
    indicator         VARCHAR NOT NULL,
    basis             VARCHAR NOT NULL,
    dataset           VARCHAR NOT NULL,
    change            VARCHAR NOT NULL CHECK (change IN ('added', 'changed', 'removed', 'kept')),
    value             DOUBLE,
    previous_value    DOUBLE,
    load_id           BIGINT NOT NULL,
    previous_load_id  BIGINT,
    mode              VARCHAR NOT NULL CHECK (mode IN ('cells', 'body_years')),
    note              VARCHAR,
    recorded_at       TIMESTAMP NOT NULL
);

CREATE OR REPLACE VIEW mart.value_history AS
SELECT h.history_id, h.body_code, h.year, h.indicator, h.basis, h.dataset, h.change, h.value,
       h.previous_value, h.load_id, l.source_id, h.previous_load_id, p.source_id AS previous_source_id,
       h.mode, h.note, h.recorded_at
FROM core.value_history h
LEFT JOIN meta.loads l ON l.load_id = h.load_id
LEFT JOIN meta.loads p ON p.load_id = h.previous_load_id;

COMMENT ON VIEW mart.value_history IS 'Every change a load made to a published indicator value: added, changed (a correction or a revised delivery), removed (an explicit body-year replacement that dropped it) or kept (a re-read of a delivery did not undo a later correction). Newest last (history_id).';
COMMENT ON COLUMN mart.value_history.history_id IS 'Order of the changes (increasing).';
COMMENT ON COLUMN mart.value_history.body_code IS 'Body or peer group (-> mart.bodies).';
COMMENT ON COLUMN mart.value_history.year IS 'Year the value describes.';
COMMENT ON COLUMN mart.value_history.indicator IS 'Indicator code (-> core.indicators).';
COMMENT ON COLUMN mart.value_history.basis IS 'published or derived.';
COMMENT ON COLUMN mart.value_history.dataset IS 'Dataset the value belongs to.';
COMMENT ON COLUMN mart.value_history.change IS 'added | changed | removed | kept (the value stayed: a correction outranks a re-read of the delivery it corrected).';
COMMENT ON COLUMN mart.value_history.value IS 'The value after this change (null when removed; for kept, the value the re-read offered and that was not taken).';
COMMENT ON COLUMN mart.value_history.previous_value IS 'The value before this change (null when added).';
COMMENT ON COLUMN mart.value_history.load_id IS 'The load that made the change (-> mart.loads).';
COMMENT ON COLUMN mart.value_history.source_id IS 'Source of that load.';
COMMENT ON COLUMN mart.value_history.previous_load_id IS 'The load that had set the previous value (-> mart.loads).';
COMMENT ON COLUMN mart.value_history.previous_source_id IS 'Source of the load that had set the previous value.';
COMMENT ON COLUMN mart.value_history.mode IS 'cells (a correction: only the cells the file names change) or body_years (a delivery: the file replaces the dataset''s body-years it covers).';
COMMENT ON COLUMN mart.value_history.note IS 'Why, where the rule needs saying (precedence, explicit replacement).';
COMMENT ON COLUMN mart.value_history.recorded_at IS 'When the change was written (UTC).';

-- A year is published as soon as any of its data arrive; this says what it still waits for. A body-year
-- with any published effect, mediator or cost value, and an indicator of those roles it lacks, is pending
-- on that indicator's dataset. The analysis leaves pending body-years out (they are not half-computed).
CREATE OR REPLACE VIEW mart.pending_inputs AS
WITH body_years AS (
    SELECT DISTINCT body_code, year FROM core.indicator_facts WHERE basis = 'published'
), needed AS (
    SELECT indicator, dataset FROM core.indicators WHERE role IN ('effect', 'mediator', 'cost')
), present AS (
    SELECT DISTINCT body_code, year, indicator FROM core.indicator_facts
)
SELECT b.year, b.body_code, n.dataset, list(n.indicator ORDER BY n.indicator) AS missing_indicators
FROM body_years b
CROSS JOIN needed n
ANTI JOIN present p ON p.body_code = b.body_code AND p.year = b.year AND p.indicator = n.indicator
GROUP BY ALL
ORDER BY b.year, b.body_code, n.dataset;

COMMENT ON VIEW mart.pending_inputs IS 'Partial years: per year, body and dataset, the effect, mediator and cost indicators the year still waits for. The analysis leaves these body-years out until they are complete (pilotwatch status lists them).';
COMMENT ON COLUMN mart.pending_inputs.year IS 'Year that is not complete yet.';
COMMENT ON COLUMN mart.pending_inputs.body_code IS 'Body or peer group with some but not all of its values for that year.';
COMMENT ON COLUMN mart.pending_inputs.dataset IS 'Dataset the year still waits for (evaluation_center, public_services_monitoring, payroll).';
COMMENT ON COLUMN mart.pending_inputs.missing_indicators IS 'Indicators of that dataset not yet delivered for that body and year.';

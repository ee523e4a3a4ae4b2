-- 002: the analyst contract for indicator values (names are promises: keep them stable).
CREATE OR REPLACE VIEW mart.indicator_values AS
SELECT
    f.body_code,
    b.name_en        AS body_name,
    b.kind           AS body_kind,
    f.year,
    i.factor,
    f.indicator,
    f.value,
    f.unit,
    i.direction,
    f.basis,
    f.dataset,
    f.load_id
FROM core.indicator_facts f
JOIN core.bodies b USING (body_code)
JOIN core.indicators i USING (indicator);

COMMENT ON VIEW mart.indicator_values IS 'Every loaded indicator value per body or peer group and year, with its factor (thesis Table 7), direction and provenance (load_id -> meta.loads).';

CREATE OR REPLACE VIEW mart.loads AS
SELECT load_id, run_id, dataset, source_id, source_kind, source_uri, years, sha256,
       rows_read, rows_accepted, rows_rejected, started_at, finished_at, status, message
FROM meta.loads;

CREATE OR REPLACE VIEW mart.quarantine AS
SELECT q.load_id, q.dataset, q.source_id, q.source_uri, q.row_number, q.column_name, q.reason,
       q.raw_row, q.created_at
FROM core.quarantine q;

CREATE OR REPLACE VIEW mart.bodies AS
SELECT body_code, name_en AS body_name, name_ru, name_kk, kind, level, peer_group, pilot, pilot_start_year
FROM core.bodies;

CREATE OR REPLACE VIEW mart.macro AS
SELECT series, year, value, unit, load_id FROM core.macro_series;

CREATE OR REPLACE VIEW mart.targets AS
SELECT t.body_code, b.name_en AS body_name, t.year, i.factor, t.indicator, t.value, t.unit, i.direction, t.load_id
FROM core.targets t JOIN core.bodies b USING (body_code) JOIN core.indicators i USING (indicator);

-- 001: layers, registry, load audit, facts, quarantine and the analyst contract view.
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS core;
CREATE SCHEMA IF NOT EXISTS mart;

-- Registry (seeded from data/reference/*.csv on every refresh: a new body is a row).
CREATE TABLE core.bodies (
    body_code        VARCHAR PRIMARY KEY,
    name_en          VARCHAR NOT NULL,
    name_ru          VARCHAR,
    name_kk          VARCHAR,
    kind             VARCHAR NOT NULL CHECK (kind IN ('body', 'peer_group')),
    level            VARCHAR NOT NULL CHECK (level IN ('central', 'local', 'national')),
    peer_group       VARCHAR,
    pilot            BOOLEAN NOT NULL,
    pilot_start_year INTEGER
);
CREATE TABLE core.body_aliases (
    alias_norm  VARCHAR NOT NULL,
    alias       VARCHAR NOT NULL,
    body_code   VARCHAR NOT NULL,
    lang        VARCHAR,
    valid_from  INTEGER,
    valid_to    INTEGER
);
CREATE TABLE core.indicators (
    indicator  VARCHAR PRIMARY KEY,
    name       VARCHAR NOT NULL,
    factor     VARCHAR NOT NULL,
    role       VARCHAR NOT NULL CHECK (role IN ('effect', 'mediator', 'cost', 'context')),
    dataset    VARCHAR NOT NULL,
    unit       VARCHAR NOT NULL,
    direction  VARCHAR NOT NULL CHECK (direction IN ('higher_is_better', 'lower_is_better')),
    min_value  DOUBLE,
    max_value  DOUBLE
);
CREATE TABLE core.indicator_labels (
    label_norm VARCHAR NOT NULL,
    label      VARCHAR NOT NULL,
    indicator  VARCHAR NOT NULL
);

-- Load audit: one row per (source, dataset) load attempt.
CREATE SEQUENCE meta.load_id_seq START 1;
CREATE TABLE meta.loads (
    load_id        BIGINT PRIMARY KEY,
    run_id         VARCHAR,
    dataset        VARCHAR NOT NULL,
    source_id      VARCHAR NOT NULL,
    source_kind    VARCHAR NOT NULL,
    source_uri     VARCHAR NOT NULL,
    years          VARCHAR,
    sha256         VARCHAR,
    rows_read      BIGINT,
    rows_accepted  BIGINT,
    rows_rejected  BIGINT,
    started_at     TIMESTAMP NOT NULL,
    finished_at    TIMESTAMP,
    status         VARCHAR NOT NULL CHECK (status IN ('running', 'loaded', 'unchanged', 'failed')),
    message        VARCHAR
);
-- Conditional-GET state per source URI (ETag / Last-Modified / last sha256).
CREATE TABLE meta.source_state (
    source_uri    VARCHAR PRIMARY KEY,
    etag          VARCHAR,
    last_modified VARCHAR,
    sha256        VARCHAR,
    fetched_at    TIMESTAMP
);

-- raw: the rows as read (all strings, JSON), kept for provenance and replays.
CREATE TABLE raw.source_rows (
    load_id    BIGINT NOT NULL,
    row_number BIGINT NOT NULL,
    raw_row    JSON NOT NULL
);

-- staging: one table per dataset family, typed and validated, as loaded.
CREATE TABLE staging.evaluation_center (
    load_id BIGINT NOT NULL, row_number BIGINT NOT NULL, body_code VARCHAR NOT NULL,
    year INTEGER NOT NULL, indicator VARCHAR NOT NULL, value DOUBLE NOT NULL, unit VARCHAR NOT NULL
);
CREATE TABLE staging.public_services_monitoring AS SELECT * FROM staging.evaluation_center WITH NO DATA;
CREATE TABLE staging.payroll AS SELECT * FROM staging.evaluation_center WITH NO DATA;
CREATE TABLE staging.targets AS SELECT * FROM staging.evaluation_center WITH NO DATA;
CREATE TABLE staging.macro (
    load_id BIGINT NOT NULL, row_number BIGINT NOT NULL, series VARCHAR NOT NULL,
    year INTEGER NOT NULL, value DOUBLE NOT NULL, unit VARCHAR NOT NULL
);

-- core: the facts the analysis reads. basis: 'published' (a source) or 'derived' (computed from
-- microdata, see payroll records); both may exist for one body-year-indicator.
CREATE TABLE core.indicator_facts (
    body_code  VARCHAR NOT NULL,
    year       INTEGER NOT NULL,
    indicator  VARCHAR NOT NULL,
    value      DOUBLE NOT NULL,
    unit       VARCHAR NOT NULL,
    basis      VARCHAR NOT NULL DEFAULT 'published' CHECK (basis IN ('published', 'derived')),
    dataset    VARCHAR NOT NULL,
    load_id    BIGINT NOT NULL,
    PRIMARY KEY (body_code, year, indicator, basis)
);
CREATE TABLE core.targets (
    body_code  VARCHAR NOT NULL,
    year       INTEGER NOT NULL,
    indicator  VARCHAR NOT NULL,
    value      DOUBLE NOT NULL,
    unit       VARCHAR NOT NULL,
    dataset    VARCHAR NOT NULL,
    load_id    BIGINT NOT NULL,
    PRIMARY KEY (body_code, year, indicator)
);
CREATE TABLE core.macro_series (
    series   VARCHAR NOT NULL,
    year     INTEGER NOT NULL,
    value    DOUBLE NOT NULL,
    unit     VARCHAR NOT NULL,
    dataset  VARCHAR NOT NULL,
    load_id  BIGINT NOT NULL,
    PRIMARY KEY (series, year)
);

-- Quarantine: rows refused at the door, with why, where from and the raw row.
CREATE TABLE core.quarantine (
    load_id     BIGINT NOT NULL,
    dataset     VARCHAR NOT NULL,
    source_id   VARCHAR NOT NULL,
    source_uri  VARCHAR NOT NULL,
    row_number  BIGINT,
    column_name VARCHAR,
    reason      VARCHAR NOT NULL,
    raw_row     JSON,
    created_at  TIMESTAMP NOT NULL
);

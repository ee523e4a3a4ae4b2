-- 040: payroll records (one row per employee, body and month) and what is derived from them.
-- Loaded by `pilotwatch ingest payroll_records FILE` (pilotwatch/payroll_records.py); definitions of
-- the derived figures in transforms/payroll_aggregates.py.

-- Synthetic bodies (codes syn_c001.., syn_l001.., written by `pilotwatch synth payroll`) are registered
-- by the records loader with synthetic = true; the registry seed keeps them (it replaces only the
-- bodies of data/reference/bodies.csv), so a synthetic national-scale warehouse has known bodies
-- without a single fake row in the reference files.
ALTER TABLE core.bodies ADD COLUMN synthetic BOOLEAN NOT NULL DEFAULT false;

-- Pseudonymous employees: employee_hash = hex HMAC-SHA256(PILOTWATCH_ID_SALT, id as delivered), or the
-- id itself when it already arrives as 64 hex digits. No id as delivered and no name is ever stored.
CREATE TABLE core.payroll_employees (
    employee_key   BIGINT PRIMARY KEY,
    employee_hash  VARCHAR NOT NULL UNIQUE,
    first_load_id  BIGINT NOT NULL
);
-- Which salt the hashes were made with (a fingerprint, never the salt): a load with another salt
-- would split every employee in two, so it is refused.
CREATE TABLE meta.payroll_id_salt (
    fingerprint    VARCHAR NOT NULL,
    first_load_id  BIGINT NOT NULL,
    created_at     TIMESTAMP NOT NULL
);

-- The records. No primary key on purpose: uniqueness of (employee, body, month) is checked at the
-- door in one GROUP BY, and a load replaces whole body-years in one transaction (a composite key
-- index makes a 12-million-row load several times slower; see docs/payroll.md).
CREATE TABLE core.payroll_records (
    employee_key       BIGINT NOT NULL,
    body_code          VARCHAR NOT NULL,
    year               SMALLINT NOT NULL,
    month              DATE NOT NULL,          -- first day of the month paid for
    position_category  VARCHAR NOT NULL,
    grade              SMALLINT,
    base_salary        DECIMAL(14, 2) NOT NULL,
    bonus              DECIMAL(14, 2) NOT NULL,
    other_pay          DECIMAL(14, 2) NOT NULL,
    currency           VARCHAR NOT NULL,       -- as delivered; USD is converted at the year's usd_kzt
    hire_date          DATE,
    leave_date         DATE,
    status             VARCHAR NOT NULL,       -- active | on_leave | left
    pilot              BOOLEAN NOT NULL,       -- the body was in pilot mode that month
    load_id            BIGINT NOT NULL,
    row_number         BIGINT NOT NULL         -- line (CSV) or record (Parquet) in the loaded file
);

-- Derived per body and year (replaced for whole years on every derivation). Money in tiyn (exact).
CREATE TABLE core.payroll_aggregates (
    body_code            VARCHAR NOT NULL,
    year                 INTEGER NOT NULL,
    months_reported      INTEGER NOT NULL,
    records              BIGINT NOT NULL,
    employees            BIGINT NOT NULL,
    base_tiyn            BIGINT NOT NULL,
    bonus_tiyn           BIGINT NOT NULL,
    other_tiyn           BIGINT NOT NULL,
    pay_tiyn             BIGINT NOT NULL,
    headcount_month_sum  BIGINT NOT NULL,
    hires                BIGINT NOT NULL,
    leavers              BIGINT NOT NULL,
    usd_kzt              DOUBLE,
    payroll_fund_mkzt    DOUBLE NOT NULL,
    payroll_fund_musd    DOUBLE,
    bonus_share          DOUBLE,
    average_headcount    DOUBLE NOT NULL,
    net_turnover         DOUBLE,
    load_id              BIGINT NOT NULL,
    PRIMARY KEY (body_code, year)
);
CREATE TABLE core.payroll_category_pay (
    body_code                VARCHAR NOT NULL,
    year                     INTEGER NOT NULL,
    position_category        VARCHAR NOT NULL,
    employees                BIGINT NOT NULL,
    median_monthly_pay_kzt   DOUBLE NOT NULL,
    median_monthly_pay_usd   DOUBLE,
    load_id                  BIGINT NOT NULL,
    PRIMARY KEY (body_code, year, position_category)
);
-- scope: 'all' bodies, or only records in 'pilot' / 'non_pilot' mode.
CREATE TABLE core.payroll_pay_gap (
    year                INTEGER NOT NULL,
    position_category   VARCHAR NOT NULL,
    scope               VARCHAR NOT NULL CHECK (scope IN ('all', 'pilot', 'non_pilot')),
    central_employees   BIGINT NOT NULL,
    local_employees     BIGINT NOT NULL,
    central_median_kzt  DOUBLE,
    local_median_kzt    DOUBLE,
    gap_pct             DOUBLE,
    usd_kzt             DOUBLE,
    load_id             BIGINT NOT NULL,
    PRIMARY KEY (year, position_category, scope)
);

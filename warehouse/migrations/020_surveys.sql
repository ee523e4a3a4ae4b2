-- 020: surveys (thesis 1.3.1-1.3.2, 2.2.2, 2.3.1.4, 2.3.2.4, Annexes F-I, K).
-- One analysis per (instrument, wave): a re-run replaces that wave's rows in every table below.
-- load_id -> meta.loads (dataset 'survey_<instrument>'); quarantined responses are in core.quarantine.
-- Respondents are anonymous: no table here joins a free-text answer to demographics.

CREATE TABLE core.survey_runs (
    load_id         BIGINT NOT NULL,
    instrument      VARCHAR NOT NULL CHECK (instrument IN ('model_test', 'employees', 'citizens')),
    wave            VARCHAR NOT NULL,
    source_uri      VARCHAR NOT NULL,
    synthetic       BOOLEAN NOT NULL,
    n_read          INTEGER NOT NULL,
    n_accepted      INTEGER NOT NULL,
    n_quarantined   INTEGER NOT NULL,
    missing_method  VARCHAR NOT NULL,
    screening_rule  VARCHAR NOT NULL,
    warnings        VARCHAR,
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (instrument, wave)
);

-- staging: coded answers of accepted respondents (schemas/survey_*.py); respondent = source row.
CREATE TABLE staging.survey_model_test (
    load_id BIGINT NOT NULL, wave VARCHAR NOT NULL, respondent BIGINT NOT NULL, body_code VARCHAR,
    age_band VARCHAR, gender VARCHAR, education VARCHAR, experience VARCHAR, position VARCHAR,
    L1 TINYINT, L2 TINYINT, S1 TINYINT, S2 TINYINT, S3 TINYINT, HC1 TINYINT, HC2 TINYINT, HC3 TINYINT,
    HC4 TINYINT, HC5 TINYINT, O1 TINYINT, O2 TINYINT, O3 TINYINT, R1 TINYINT, R2 TINYINT, R3 TINYINT,
    CC TINYINT, ICS1 TINYINT, ICS2 TINYINT
);
CREATE TABLE staging.survey_employees (
    load_id BIGINT NOT NULL, wave VARCHAR NOT NULL, respondent BIGINT NOT NULL, body_code VARCHAR,
    age_band VARCHAR, gender VARCHAR, education VARCHAR, experience VARCHAR, position VARCHAR,
    L1 TINYINT, L2 TINYINT, L3 TINYINT, S1 TINYINT, S2 TINYINT, HC1 TINYINT, HC2 TINYINT, HC3 TINYINT,
    O1 TINYINT, O2 TINYINT, O3 TINYINT, O4 TINYINT, R1 TINYINT, R2 TINYINT
);
CREATE TABLE staging.survey_citizens (
    load_id BIGINT NOT NULL, wave VARCHAR NOT NULL, respondent BIGINT NOT NULL, body_code VARCHAR,
    age_band VARCHAR, gender VARCHAR, education VARCHAR, activity VARCHAR,
    Q5 VARCHAR, Q6 VARCHAR, Q8 VARCHAR, Q9 VARCHAR, Q11 VARCHAR, Q12 VARCHAR, Q14 VARCHAR
);
-- Free text: question and answer only, sorted by text, no respondent key, no demographics.
CREATE TABLE staging.survey_free_text (
    load_id BIGINT NOT NULL, instrument VARCHAR NOT NULL, wave VARCHAR NOT NULL,
    question VARCHAR NOT NULL, answer VARCHAR NOT NULL
);

CREATE TABLE core.survey_reliability (
    load_id BIGINT NOT NULL, instrument VARCHAR NOT NULL, wave VARCHAR NOT NULL,
    construct VARCHAR NOT NULL, construct_name VARCHAR NOT NULL, item VARCHAR, n BIGINT, n_items BIGINT,
    alpha DOUBLE, item_total_r DOUBLE, alpha_if_deleted DOUBLE, mean DOUBLE, sd DOUBLE, note VARCHAR
);
CREATE TABLE core.survey_fit (
    load_id BIGINT NOT NULL, instrument VARCHAR NOT NULL, wave VARCHAR NOT NULL,
    model VARCHAR NOT NULL CHECK (model IN ('cfa', 'sem')), measure VARCHAR NOT NULL, value DOUBLE,
    acceptable VARCHAR, n_used BIGINT NOT NULL, missing_method VARCHAR NOT NULL, converged BOOLEAN NOT NULL
);
CREATE TABLE core.survey_estimates (
    load_id BIGINT NOT NULL, instrument VARCHAR NOT NULL, wave VARCHAR NOT NULL,
    model VARCHAR NOT NULL, lhs VARCHAR NOT NULL, op VARCHAR NOT NULL, rhs VARCHAR NOT NULL,
    kind VARCHAR NOT NULL, estimate DOUBLE, se DOUBLE, z DOUBLE, p DOUBLE, std_estimate DOUBLE
);
CREATE TABLE core.survey_verdicts (
    load_id BIGINT NOT NULL, instrument VARCHAR NOT NULL, wave VARCHAR NOT NULL,
    hypothesis VARCHAR NOT NULL, factor VARCHAR NOT NULL, statement VARCHAR NOT NULL, effect VARCHAR NOT NULL,
    estimate DOUBLE, std_estimate DOUBLE, p DOUBLE,
    verdict VARCHAR NOT NULL CHECK (verdict IN ('supported', 'not supported', 'undetermined')), rule VARCHAR NOT NULL
);
CREATE TABLE core.survey_distributions (
    load_id BIGINT NOT NULL, instrument VARCHAR NOT NULL, wave VARCHAR NOT NULL,
    body_code VARCHAR, measure VARCHAR NOT NULL CHECK (measure IN ('answer_distribution', 'top_answer_share')),
    factor VARCHAR, question VARCHAR, answer VARCHAR, n BIGINT, base_n BIGINT, share DOUBLE,
    suppressed BOOLEAN NOT NULL,
    CHECK (NOT suppressed OR (n IS NULL AND share IS NULL)),
    CHECK (suppressed OR n >= 5)
);

CREATE OR REPLACE VIEW mart.survey_reliability AS
SELECT r.instrument, r.wave, s.synthetic, r.construct, r.construct_name, r.item, r.n, r.n_items, r.alpha,
       r.item_total_r, r.alpha_if_deleted, r.mean, r.sd, r.note, r.load_id
FROM core.survey_reliability r JOIN core.survey_runs s USING (instrument, wave);
COMMENT ON VIEW mart.survey_reliability IS 'Cronbach''s alpha per construct (item IS NULL) and, per item, the corrected item-total correlation and alpha if the item is deleted (thesis Table K.1; SPSS definitions, listwise within a construct). synthetic = true marks the generated demo sample.';

CREATE OR REPLACE VIEW mart.survey_fit AS
SELECT f.instrument, f.wave, s.synthetic, f.model, f.measure, f.value, f.acceptable, f.n_used, f.missing_method,
       f.converged, f.load_id
FROM core.survey_fit f JOIN core.survey_runs s USING (instrument, wave);
COMMENT ON VIEW mart.survey_fit IS 'Fit indices of the CFA and the structural model (thesis Table 12): chisq, df, pvalue, gfi, agfi, cfi, tli, ifi, nfi, rmsea, cmin_df, aic, bic, logl; computed by pilotwatch the way lavaan does (see docs/surveys.md), not taken from semopy. acceptable = the threshold the thesis uses.';

CREATE OR REPLACE VIEW mart.survey_estimates AS
SELECT e.instrument, e.wave, s.synthetic, e.model, e.lhs, e.op, e.rhs, e.kind, e.estimate, e.se, e.z, e.p,
       e.std_estimate, e.load_id
FROM core.survey_estimates e JOIN core.survey_runs s USING (instrument, wave);
COMMENT ON VIEW mart.survey_estimates IS 'Parameter estimates (thesis Table K.2 format): loadings (op =~), regressions (~), variances and covariances (~~) with SE, z, p and the standardized value (std.all); model = ''sem'' also has kind direct/indirect/total effects of each factor on ICS (op ''effect'', delta-method SE).';

CREATE OR REPLACE VIEW mart.survey_verdicts AS
SELECT v.instrument, v.wave, s.synthetic, v.hypothesis, v.factor, v.statement, v.effect, v.estimate,
       v.std_estimate, v.p, v.verdict, v.rule, v.load_id
FROM core.survey_verdicts v JOIN core.survey_runs s USING (instrument, wave);
COMMENT ON VIEW mart.survey_verdicts IS 'H1-H5 (thesis 1.3.1, Table 13) judged on the structural model with the rule stated in each row: H1-H4 supported when the total effect on ICS is positive with p < 0.05; H5 when Resources'' standardized total effect is below each other factor''s.';

CREATE OR REPLACE VIEW mart.survey_distributions AS
SELECT d.instrument, d.wave, s.synthetic, d.body_code, b.name_en AS body_name, d.measure, d.factor, d.question,
       d.answer, d.n, d.base_n, d.share, d.suppressed, d.load_id
FROM core.survey_distributions d JOIN core.survey_runs s USING (instrument, wave)
LEFT JOIN core.bodies b USING (body_code);
COMMENT ON VIEW mart.survey_distributions IS 'Answer distributions per body (body_code NULL = all respondents): answer_distribution per item or closed question (thesis Figures 17-21, 23-31) and top_answer_share per factor (Figures 16, 22). Cells with fewer than 5 respondents are suppressed (n, share NULL), with secondary suppression so none can be recomputed.';

CREATE OR REPLACE VIEW mart.survey_runs AS
SELECT instrument, wave, synthetic, source_uri, n_read, n_accepted, n_quarantined, missing_method,
       screening_rule, warnings, created_at, load_id
FROM core.survey_runs;
COMMENT ON VIEW mart.survey_runs IS 'One row per analysed survey wave: where it came from, how many responses were read, accepted and quarantined (see mart.quarantine), how missing answers were handled, and the warnings of the model fit.';

-- 010: analysis runs and results (CER, factor effects, verdicts, grades) and their mart views.
-- Every result row carries run_id and config; meta.analysis_runs says what a run read and with which
-- parameters. The mart views show the latest successful run of each configuration (filter on config:
-- the annual refresh computes 'default'; `pilotwatch analyse --config thesis` adds 'thesis').

CREATE TABLE meta.analysis_runs (
    run_id           VARCHAR PRIMARY KEY,
    config           VARCHAR NOT NULL,
    parameters       JSON NOT NULL,
    load_ids         BIGINT[] NOT NULL,
    inflation_series VARCHAR,
    flow_run_id      VARCHAR,
    started_at       TIMESTAMP NOT NULL,
    finished_at      TIMESTAMP,
    status           VARCHAR NOT NULL CHECK (status IN ('running', 'ok', 'failed')),
    row_counts       JSON,
    message          VARCHAR
);

CREATE TABLE core.analysis_cer (
    run_id VARCHAR NOT NULL, config VARCHAR NOT NULL, body_code VARCHAR NOT NULL,
    year INTEGER, mode VARCHAR CHECK (mode IN ('pilot', 'standard')),
    cost_musd DOUBLE, effectiveness_pct DOUBLE, cer DOUBLE,
    base_year INTEGER, years_from_base INTEGER, inflation_index DOUBLE,
    in_test BOOLEAN, pilot_cer_higher BOOLEAN,
    status VARCHAR NOT NULL CHECK (status IN ('ok', 'insufficient_data')), missing VARCHAR[]
);

CREATE TABLE core.analysis_cer_incremental (
    run_id VARCHAR NOT NULL, config VARCHAR NOT NULL, body_code VARCHAR NOT NULL, year INTEGER NOT NULL,
    pilot_cost_musd DOUBLE, standard_cost_musd DOUBLE, incremental_cost_musd DOUBLE,
    pilot_effectiveness_pct DOUBLE, standard_effectiveness_pct DOUBLE, points_gained DOUBLE,
    incremental_cost_per_point DOUBLE, outcome VARCHAR, pilot_cer DOUBLE, standard_cer DOUBLE,
    break_even_inflation_pct DOUBLE, status VARCHAR NOT NULL, missing VARCHAR[]
);

CREATE TABLE core.analysis_cer_sensitivity (
    run_id VARCHAR NOT NULL, config VARCHAR NOT NULL, body_code VARCHAR NOT NULL,
    parameter VARCHAR NOT NULL CHECK (parameter IN ('inflation_pct', 'base_year')), value DOUBLE NOT NULL,
    is_configured BOOLEAN, base_year INTEGER, year INTEGER,
    standard_cost_musd DOUBLE, standard_effectiveness_pct DOUBLE, standard_cer DOUBLE, pilot_cer DOUBLE,
    pilot_cer_higher BOOLEAN, status VARCHAR NOT NULL
);

CREATE TABLE core.analysis_indicator_effects (
    run_id VARCHAR NOT NULL, config VARCHAR NOT NULL, body_code VARCHAR NOT NULL,
    factor VARCHAR NOT NULL, role VARCHAR NOT NULL, indicator VARCHAR NOT NULL, direction VARCHAR,
    rule VARCHAR NOT NULL, peer_code VARCHAR, from_year INTEGER, to_year INTEGER, margin DOUBLE,
    effect VARCHAR CHECK (effect IN ('positive', 'negative')),
    inputs STRUCT(body_code VARCHAR, "year" INTEGER, "value" DOUBLE)[], explanation VARCHAR,
    status VARCHAR NOT NULL CHECK (status IN ('ok', 'insufficient_data')), missing VARCHAR[]
);

CREATE TABLE core.analysis_factor_effects (
    run_id VARCHAR NOT NULL, config VARCHAR NOT NULL, body_code VARCHAR NOT NULL,
    factor VARCHAR NOT NULL, role VARCHAR NOT NULL, rule VARCHAR NOT NULL,
    effect VARCHAR CHECK (effect IN ('positive', 'negative')),
    n_indicators INTEGER, negative_indicators VARCHAR[],
    inputs STRUCT(indicator VARCHAR, body_code VARCHAR, "year" INTEGER, "value" DOUBLE)[], explanation VARCHAR,
    status VARCHAR NOT NULL CHECK (status IN ('ok', 'insufficient_data')), missing VARCHAR[]
);

CREATE TABLE core.analysis_verdicts (
    run_id VARCHAR NOT NULL, config VARCHAR NOT NULL, body_code VARCHAR NOT NULL, rule VARCHAR NOT NULL,
    hypothesis VARCHAR NOT NULL CHECK (hypothesis IN ('H0', 'H1')), supported BOOLEAN, statement VARCHAR,
    is_default_rule BOOLEAN, verdict VARCHAR, effects_verdict VARCHAR,
    negative_factors VARCHAR[], positive_factors VARCHAR[], insufficient_factors VARCHAR[],
    cost_test VARCHAR, cost_years INTEGER[], cost_years_pilot_costlier INTEGER[], cost_side VARCHAR,
    reason VARCHAR, status VARCHAR NOT NULL CHECK (status IN ('ok', 'insufficient_data')), missing VARCHAR[]
);

CREATE TABLE core.analysis_robustness (
    run_id VARCHAR NOT NULL, config VARCHAR NOT NULL, body_code VARCHAR NOT NULL, default_rule VARCHAR NOT NULL,
    verdict VARCHAR, holds_under_every_rule BOOLEAN, flipping_rules VARCHAR[], undecided_rules VARCHAR[],
    rules_h0 VARCHAR[], rules_h1 VARCHAR[], effects_verdict VARCHAR, effects_holds_under_every_rule BOOLEAN,
    effects_flipping_rules VARCHAR[], effects_rules_h0 VARCHAR[], effects_rules_h1 VARCHAR[], cost_test VARCHAR,
    status VARCHAR NOT NULL, missing VARCHAR[]
);

CREATE TABLE core.analysis_grades (
    run_id VARCHAR NOT NULL, config VARCHAR NOT NULL, body_code VARCHAR NOT NULL, year INTEGER NOT NULL,
    indicator VARCHAR NOT NULL, value DOUBLE, grade VARCHAR CHECK (grade IN ('high', 'average', 'low', 'inefficient')),
    band_from DOUBLE, band_to DOUBLE
);

-- The latest successful run of each configuration.
CREATE OR REPLACE VIEW meta.analysis_latest AS
SELECT arg_max(run_id, finished_at) AS run_id, config
FROM meta.analysis_runs WHERE status = 'ok' GROUP BY config;

CREATE OR REPLACE VIEW mart.analysis_runs AS
SELECT r.run_id, r.config, r.status, r.started_at, r.finished_at,
       r.run_id IN (SELECT run_id FROM meta.analysis_latest) AS is_latest,
       list_sort(r.load_ids) = (
           SELECT list_sort(list(DISTINCT load_id)) FROM (
               SELECT load_id FROM core.indicator_facts
               UNION SELECT load_id FROM core.macro_series WHERE series = r.inflation_series)
       ) AS inputs_current,
       r.load_ids, r.inflation_series, r.parameters, r.row_counts, r.flow_run_id, r.message
FROM meta.analysis_runs r;
COMMENT ON VIEW mart.analysis_runs IS 'Every analysis run: configuration, parameters (JSON), the load ids it read (-> mart.loads), whether it is the latest of its configuration and whether its inputs are still the loaded ones.';

CREATE OR REPLACE VIEW mart.cer AS
SELECT c.config, c.body_code, b.name_en AS body_name, c.year, c.mode, c.cost_musd, c.effectiveness_pct, c.cer,
       c.base_year, c.years_from_base, c.inflation_index, c.in_test, c.pilot_cer_higher, c.status, c.missing, c.run_id
FROM core.analysis_cer c JOIN meta.analysis_latest l USING (run_id, config) LEFT JOIN core.bodies b USING (body_code);
COMMENT ON VIEW mart.cer IS 'Thesis Table 19 for every pilot body: per year and mode (pilot|standard) the cost (payroll fund, mln USD), effectiveness (overall effectiveness, %) and CER = cost / effectiveness (mln USD per point; null in the base year). pilot_cer_higher: formula (2). Bodies without enough data: one row with status insufficient_data and what is missing. Latest run per config.';

CREATE OR REPLACE VIEW mart.cer_incremental AS
SELECT i.config, i.body_code, b.name_en AS body_name, i.year, i.pilot_cost_musd, i.standard_cost_musd,
       i.incremental_cost_musd, i.pilot_effectiveness_pct, i.standard_effectiveness_pct, i.points_gained,
       i.incremental_cost_per_point, i.outcome, i.pilot_cer, i.standard_cer, i.break_even_inflation_pct,
       i.status, i.missing, i.run_id
FROM core.analysis_cer_incremental i JOIN meta.analysis_latest l USING (run_id, config) LEFT JOIN core.bodies b USING (body_code);
COMMENT ON VIEW mart.cer_incremental IS 'Pilot vs standard mode per body and year: extra cost (mln USD), points gained, incremental cost per point where meaningful, CEA outcome (dominated = costs more, gains nothing), and the constant yearly inflation at which the pilot CER would equal standard mode (break-even).';

CREATE OR REPLACE VIEW mart.cer_sensitivity AS
SELECT s.config, s.body_code, b.name_en AS body_name, s.parameter, s.value, s.is_configured, s.base_year, s.year,
       s.standard_cost_musd, s.standard_effectiveness_pct, s.standard_cer, s.pilot_cer, s.pilot_cer_higher,
       s.status, s.run_id
FROM core.analysis_cer_sensitivity s JOIN meta.analysis_latest l USING (run_id, config) LEFT JOIN core.bodies b USING (body_code);
COMMENT ON VIEW mart.cer_sensitivity IS 'One-way sensitivity of formula (2): constant inflation (parameter inflation_pct) or another base year (parameter base_year); per body, scenario value and tested year.';

CREATE OR REPLACE VIEW mart.cer_sensitivity_summary AS
SELECT config, body_code, body_name, parameter, value, bool_or(is_configured) AS is_configured,
       count(*) AS years_tested, count(*) FILTER (WHERE pilot_cer_higher) AS years_pilot_cer_higher,
       bool_and(pilot_cer_higher) AS formula2_every_year,
       arg_max(pilot_cer_higher, year) AS formula2_last_year
FROM mart.cer_sensitivity GROUP BY ALL;
COMMENT ON VIEW mart.cer_sensitivity_summary IS 'Does formula (2) CER(pilot) > CER(standard) still hold under each sensitivity scenario (every tested year / the last year)?';

CREATE OR REPLACE VIEW mart.indicator_effects AS
SELECT e.config, e.body_code, b.name_en AS body_name, e.factor, e.role, e.indicator, e.direction, e.rule,
       e.peer_code, e.from_year, e.to_year, e.margin, e.effect, e.inputs, e.explanation, e.status, e.missing, e.run_id
FROM core.analysis_indicator_effects e JOIN meta.analysis_latest l USING (run_id, config) LEFT JOIN core.bodies b USING (body_code);
COMMENT ON VIEW mart.indicator_effects IS 'Per pilot body, indicator and effect rule: the values compared (inputs), the direction-aware margin (>= 0 is positive) and the effect.';

CREATE OR REPLACE VIEW mart.factor_effects AS
SELECT f.config, f.body_code, b.name_en AS body_name, f.factor, f.role, f.rule,
       f.rule = (r.parameters->>'$.effects.default_rule') AS is_default_rule,
       f.effect, f.n_indicators, f.negative_indicators, f.inputs, f.explanation, f.status, f.missing, f.run_id
FROM core.analysis_factor_effects f JOIN meta.analysis_latest l USING (run_id, config)
JOIN meta.analysis_runs r USING (run_id) LEFT JOIN core.bodies b USING (body_code);
COMMENT ON VIEW mart.factor_effects IS 'Thesis Table 20 per pilot body, factor and rule (endpoint, pilot_window, first_pilot_step, no_decline, vs_peer, gain_vs_peer): effect positive|negative (positive only if all the factor''s indicators are), with the input values it was computed from. Resources (payroll) is the cost side, see mart.cer.';

CREATE OR REPLACE VIEW mart.verdicts AS
SELECT v.config, v.body_code, b.name_en AS body_name, v.rule, v.is_default_rule, v.hypothesis, v.supported,
       v.statement, v.verdict, v.effects_verdict, v.negative_factors, v.positive_factors, v.insufficient_factors,
       v.cost_test, v.cost_years, v.cost_years_pilot_costlier, v.cost_side, v.reason, v.status, v.missing, v.run_id
FROM core.analysis_verdicts v JOIN meta.analysis_latest l USING (run_id, config) LEFT JOIN core.bodies b USING (body_code);
COMMENT ON VIEW mart.verdicts IS 'Thesis Table 21 per pilot body and rule: H0 and H1 with supported (null: insufficient_data, see missing). effects_verdict is the factor side alone; cost_test is formula (2).';

CREATE OR REPLACE VIEW mart.robustness AS
SELECT r.config, r.body_code, b.name_en AS body_name, r.default_rule, r.verdict, r.holds_under_every_rule,
       r.flipping_rules, r.undecided_rules, r.rules_h0, r.rules_h1, r.effects_verdict,
       r.effects_holds_under_every_rule, r.effects_flipping_rules, r.effects_rules_h0, r.effects_rules_h1,
       r.cost_test, r.status, r.missing, r.run_id
FROM core.analysis_robustness r JOIN meta.analysis_latest l USING (run_id, config) LEFT JOIN core.bodies b USING (body_code);
COMMENT ON VIEW mart.robustness IS 'Per pilot body: the verdict under the default rule, whether every rule agrees and which rules flip it; effects_* the same for the factor side alone.';

CREATE OR REPLACE VIEW mart.grades AS
SELECT g.config, g.body_code, b.name_en AS body_name, b.kind AS body_kind, g.year, g.indicator, g.value, g.grade,
       g.band_from, g.band_to, g.run_id
FROM core.analysis_grades g JOIN meta.analysis_latest l USING (run_id, config) LEFT JOIN core.bodies b USING (body_code);
COMMENT ON VIEW mart.grades IS 'Evaluation Center grade per body (and peer group) and year: 90+ high, 70-89.99 average, 50-69.99 low, under 50 inefficient.';

-- 061: the cost-effectiveness plane and frontier (mart.ce_plane), and the money every CER amount is in.
-- Issue 15 items 2-3. The CER tables gain price_year, currency, discount_rate and discount_base_year
-- (data/analysis.yaml `money`; transforms/analysis/money.py); the views are redefined to show them,
-- which drops DuckDB's comments, so every comment of the redefined views is written again below
-- (copied from 010, 011 and 059; the amount columns now say which money they are in).

ALTER TABLE core.analysis_cer ADD COLUMN price_year INTEGER;
ALTER TABLE core.analysis_cer ADD COLUMN currency VARCHAR;
ALTER TABLE core.analysis_cer ADD COLUMN discount_rate DOUBLE;
ALTER TABLE core.analysis_cer ADD COLUMN discount_base_year INTEGER;
ALTER TABLE core.analysis_cer_incremental ADD COLUMN price_year INTEGER;
ALTER TABLE core.analysis_cer_incremental ADD COLUMN currency VARCHAR;
ALTER TABLE core.analysis_cer_incremental ADD COLUMN discount_rate DOUBLE;
ALTER TABLE core.analysis_cer_incremental ADD COLUMN discount_base_year INTEGER;
ALTER TABLE core.analysis_cer_sensitivity ADD COLUMN price_year INTEGER;
ALTER TABLE core.analysis_cer_sensitivity ADD COLUMN currency VARCHAR;
ALTER TABLE core.analysis_cer_sensitivity ADD COLUMN discount_rate DOUBLE;
ALTER TABLE core.analysis_cer_sensitivity ADD COLUMN discount_base_year INTEGER;

CREATE TABLE core.analysis_ce_plane (
    run_id VARCHAR NOT NULL, config VARCHAR NOT NULL,
    scope VARCHAR NOT NULL CHECK (scope IN ('year', 'body')), group_key VARCHAR NOT NULL,
    body_code VARCHAR NOT NULL, year INTEGER NOT NULL, label VARCHAR NOT NULL,
    incremental_cost DOUBLE, incremental_points DOUBLE, icer DOUBLE,
    status VARCHAR NOT NULL CHECK (status IN ('frontier', 'dominated', 'extended_dominance', 'insufficient_data')),
    dominated_by VARCHAR, compared_with VARCHAR, frontier_rank INTEGER,
    price_year INTEGER, currency VARCHAR, discount_rate DOUBLE, discount_base_year INTEGER
);

CREATE OR REPLACE VIEW mart.cer AS
SELECT c.config, c.body_code, b.name_en AS body_name, c.year, c.mode, c.cost_musd, c.effectiveness_pct, c.cer,
       c.base_year, c.years_from_base, c.inflation_index, c.in_test, c.pilot_cer_higher, c.status, c.missing, c.run_id,
       c.price_year, c.currency, c.discount_rate, c.discount_base_year
FROM core.analysis_cer c JOIN meta.analysis_latest l USING (run_id, config) LEFT JOIN core.bodies b USING (body_code);

CREATE OR REPLACE VIEW mart.cer_incremental AS
SELECT i.config, i.body_code, b.name_en AS body_name, i.year, i.pilot_cost_musd, i.standard_cost_musd,
       i.incremental_cost_musd, i.pilot_effectiveness_pct, i.standard_effectiveness_pct, i.points_gained,
       i.incremental_cost_per_point, i.outcome, i.pilot_cer, i.standard_cer, i.break_even_inflation_pct,
       i.status, i.missing, i.run_id, i.price_year, i.currency, i.discount_rate, i.discount_base_year
FROM core.analysis_cer_incremental i JOIN meta.analysis_latest l USING (run_id, config) LEFT JOIN core.bodies b USING (body_code);

CREATE OR REPLACE VIEW mart.cer_sensitivity AS
SELECT s.config, s.body_code, b.name_en AS body_name, s.parameter, s.value, s.is_configured, s.base_year, s.year,
       s.standard_cost_musd, s.standard_effectiveness_pct, s.standard_cer, s.pilot_cer, s.pilot_cer_higher,
       s.status, s.run_id, s.price_year, s.currency, s.discount_rate, s.discount_base_year
FROM core.analysis_cer_sensitivity s JOIN meta.analysis_latest l USING (run_id, config) LEFT JOIN core.bodies b USING (body_code);

CREATE OR REPLACE VIEW mart.cer_sensitivity_summary AS
SELECT config, body_code, body_name, parameter, value, bool_or(is_configured) AS is_configured,
       count(*) AS years_tested, count(*) FILTER (WHERE pilot_cer_higher) AS years_pilot_cer_higher,
       bool_and(pilot_cer_higher) AS formula2_every_year,
       arg_max(pilot_cer_higher, year) AS formula2_last_year,
       any_value(price_year) AS price_year, any_value(currency) AS currency,
       any_value(discount_rate) AS discount_rate, any_value(discount_base_year) AS discount_base_year
FROM mart.cer_sensitivity GROUP BY config, body_code, body_name, parameter, value;

CREATE OR REPLACE VIEW mart.ce_plane AS
SELECT p.config, p.scope, p.group_key, p.body_code, b.name_en AS body_name, p.year, p.label,
       p.incremental_cost, p.incremental_points, p.icer, p.status, p.dominated_by, p.compared_with, p.frontier_rank,
       p.price_year, p.currency, p.discount_rate, p.discount_base_year, p.run_id
FROM core.analysis_ce_plane p JOIN meta.analysis_latest l USING (run_id, config) LEFT JOIN core.bodies b USING (body_code);

-- comments of the redefined views, as 010/011/059 wrote them
COMMENT ON VIEW mart.cer IS 'Thesis Table 19 for every pilot body: per year and mode (pilot|standard) the cost (payroll fund, mln USD), effectiveness (overall effectiveness, %) and CER = cost / effectiveness (mln USD per point; null in the base year). pilot_cer_higher: formula (2). Bodies without enough data: one row with status insufficient_data and what is missing. Latest run per config.';
COMMENT ON VIEW mart.cer_incremental IS 'Pilot vs standard mode per body and year: extra cost (mln USD), points gained, incremental cost per point where meaningful, CEA outcome (dominated = costs more, gains nothing), and the constant yearly inflation at which the pilot CER would equal standard mode (break-even).';
COMMENT ON VIEW mart.cer_sensitivity IS 'One-way sensitivity of formula (2): constant inflation (parameter inflation_pct) or another base year (parameter base_year); per body, scenario value and tested year.';
COMMENT ON VIEW mart.cer_sensitivity_summary IS 'Does formula (2) CER(pilot) > CER(standard) still hold under each sensitivity scenario (every tested year / the last year)?';
COMMENT ON COLUMN mart.cer.config IS 'Analysis configuration (filter on it: default, thesis, ...).';
COMMENT ON COLUMN mart.cer.body_code IS 'Pilot body (-> mart.bodies).';
COMMENT ON COLUMN mart.cer.year IS 'Year; the base year (standard mode = pilot mode) and every later year of the body''s window. Null on an insufficient_data row.';
COMMENT ON COLUMN mart.cer.mode IS 'pilot (the body''s actual payroll and effectiveness) or standard (base-year payroll indexed by inflation, base-year effectiveness).';
COMMENT ON COLUMN mart.cer.cost_musd IS 'Cost: payroll fund, mln USD (standard mode: indexed, rounded as configured).';
COMMENT ON COLUMN mart.cer.effectiveness_pct IS 'Effectiveness: overall effectiveness, % (standard mode: the base-year value).';
COMMENT ON COLUMN mart.cer.cer IS 'Cost-effectiveness ratio = cost_musd / effectiveness_pct, mln USD per percentage point; null in the base year.';
COMMENT ON COLUMN mart.cer.pilot_cer_higher IS 'Formula (2): CER(pilot) > CER(standard) in this year (same value on both mode rows).';
COMMENT ON COLUMN mart.cer.inflation_index IS 'Standard mode: price level of the year relative to the base year.';
COMMENT ON COLUMN mart.cer.status IS 'ok, or insufficient_data with what is missing in missing.';
COMMENT ON COLUMN mart.cer.missing IS 'What prevented the row (a value, a registry field, an inflation year).';
COMMENT ON COLUMN mart.cer_incremental.incremental_cost_musd IS 'Pilot cost minus standard-mode cost, mln USD.';
COMMENT ON COLUMN mart.cer_incremental.points_gained IS 'Pilot effectiveness minus the base-year effectiveness, percentage points.';
COMMENT ON COLUMN mart.cer_incremental.incremental_cost_per_point IS 'incremental_cost_musd / points_gained, where the quadrant makes it meaningful.';
COMMENT ON COLUMN mart.cer_incremental.outcome IS 'dominated, costs_more_gains_more, dominant, saves_loses or same.';
COMMENT ON COLUMN mart.cer_incremental.break_even_inflation_pct IS 'Constant yearly inflation at which standard mode''s CER would equal the pilot''s.';
COMMENT ON COLUMN mart.cer_sensitivity.parameter IS 'inflation_pct (constant inflation replacing the configured source) or base_year.';
COMMENT ON COLUMN mart.cer_sensitivity.value IS 'The scenario''s inflation (%) or base year.';
COMMENT ON COLUMN mart.cer_sensitivity.is_configured IS 'True for the scenario equal to the configuration.';
COMMENT ON COLUMN mart.cer_sensitivity.pilot_cer_higher IS 'Formula (2) in this scenario and year.';
COMMENT ON COLUMN mart.cer.body_name IS 'English name of the body (mart.bodies).';
COMMENT ON COLUMN mart.cer.base_year IS 'Base year: standard mode starts from its payroll and effectiveness.';
COMMENT ON COLUMN mart.cer.years_from_base IS 'Years since the base year (the inflation compounding steps).';
COMMENT ON COLUMN mart.cer.in_test IS 'True for the years formula (2) is tested in (after the base year).';
COMMENT ON COLUMN mart.cer.run_id IS 'The analysis run that produced the row (-> mart.analysis_runs).';
COMMENT ON COLUMN mart.cer_incremental.config IS 'Analysis configuration (data/analysis.yaml: default, thesis, ...); filter on it.';
COMMENT ON COLUMN mart.cer_incremental.body_code IS 'Pilot body (-> mart.bodies).';
COMMENT ON COLUMN mart.cer_incremental.body_name IS 'English name of the body (mart.bodies).';
COMMENT ON COLUMN mart.cer_incremental.year IS 'Year after the base year compared.';
COMMENT ON COLUMN mart.cer_incremental.pilot_cost_musd IS 'Pilot-mode cost: the payroll fund, mln USD.';
COMMENT ON COLUMN mart.cer_incremental.standard_cost_musd IS 'Standard-mode cost: base-year payroll indexed by inflation, mln USD.';
COMMENT ON COLUMN mart.cer_incremental.pilot_effectiveness_pct IS 'Pilot-mode effectiveness: overall effectiveness, %.';
COMMENT ON COLUMN mart.cer_incremental.standard_effectiveness_pct IS 'Standard-mode effectiveness: the base-year value, %.';
COMMENT ON COLUMN mart.cer_incremental.pilot_cer IS 'CER in pilot mode, mln USD per percentage point.';
COMMENT ON COLUMN mart.cer_incremental.standard_cer IS 'CER in standard mode, mln USD per percentage point.';
COMMENT ON COLUMN mart.cer_incremental.status IS 'ok, or insufficient_data when an input is missing (see missing).';
COMMENT ON COLUMN mart.cer_incremental.missing IS 'What was missing when status is insufficient_data.';
COMMENT ON COLUMN mart.cer_incremental.run_id IS 'The analysis run that produced the row (-> mart.analysis_runs).';
COMMENT ON COLUMN mart.cer_sensitivity.config IS 'Analysis configuration (data/analysis.yaml: default, thesis, ...); filter on it.';
COMMENT ON COLUMN mart.cer_sensitivity.body_code IS 'Pilot body (-> mart.bodies).';
COMMENT ON COLUMN mart.cer_sensitivity.body_name IS 'English name of the body (mart.bodies).';
COMMENT ON COLUMN mart.cer_sensitivity.base_year IS 'Base year: standard mode starts from its payroll and effectiveness.';
COMMENT ON COLUMN mart.cer_sensitivity.year IS 'Year tested.';
COMMENT ON COLUMN mart.cer_sensitivity.standard_cost_musd IS 'Standard-mode cost under the scenario, mln USD.';
COMMENT ON COLUMN mart.cer_sensitivity.standard_effectiveness_pct IS 'Standard-mode effectiveness under the scenario, %.';
COMMENT ON COLUMN mart.cer_sensitivity.standard_cer IS 'Standard-mode CER under the scenario, mln USD per percentage point.';
COMMENT ON COLUMN mart.cer_sensitivity.pilot_cer IS 'Pilot-mode CER (unchanged by the scenario), mln USD per percentage point.';
COMMENT ON COLUMN mart.cer_sensitivity.status IS 'ok, or insufficient_data when an input is missing (see missing).';
COMMENT ON COLUMN mart.cer_sensitivity.run_id IS 'The analysis run that produced the row (-> mart.analysis_runs).';
COMMENT ON COLUMN mart.cer_sensitivity_summary.config IS 'Analysis configuration (data/analysis.yaml: default, thesis, ...); filter on it.';
COMMENT ON COLUMN mart.cer_sensitivity_summary.body_code IS 'Pilot body (-> mart.bodies).';
COMMENT ON COLUMN mart.cer_sensitivity_summary.body_name IS 'English name of the body (mart.bodies).';
COMMENT ON COLUMN mart.cer_sensitivity_summary.parameter IS 'Scenario parameter: inflation_pct (a constant yearly rate) or base_year.';
COMMENT ON COLUMN mart.cer_sensitivity_summary.value IS 'The scenario''s value of the parameter (% or a year).';
COMMENT ON COLUMN mart.cer_sensitivity_summary.is_configured IS 'True for the value the configuration itself uses.';
COMMENT ON COLUMN mart.cer_sensitivity_summary.years_tested IS 'Years formula (2) was tested in under the scenario.';
COMMENT ON COLUMN mart.cer_sensitivity_summary.years_pilot_cer_higher IS 'Of those, years with CER(pilot) > CER(standard).';
COMMENT ON COLUMN mart.cer_sensitivity_summary.formula2_every_year IS 'True when CER(pilot) > CER(standard) in every tested year.';
COMMENT ON COLUMN mart.cer_sensitivity_summary.formula2_last_year IS 'Whether CER(pilot) > CER(standard) in the last tested year.';

-- the money every amount is in (replacing the texts above where they named mln USD)
COMMENT ON COLUMN mart.cer.cost_musd IS 'Cost: payroll fund (standard mode: indexed, rounded as configured), in millions of `currency` at `price_year` prices, discounted at `discount_rate` to `discount_base_year`; with the defaults nominal mln USD as published.';
COMMENT ON COLUMN mart.cer.cer IS 'Cost-effectiveness ratio = cost_musd / effectiveness_pct, millions of `currency` (default USD) per percentage point; null in the base year.';
COMMENT ON COLUMN mart.cer_incremental.pilot_cost_musd IS 'Pilot-mode cost: the payroll fund, millions of `currency` (default: nominal USD; see price_year, discount_rate).';
COMMENT ON COLUMN mart.cer_incremental.standard_cost_musd IS 'Standard-mode cost: base-year payroll indexed by inflation, millions of `currency` (default: nominal USD).';
COMMENT ON COLUMN mart.cer_incremental.incremental_cost_musd IS 'Pilot cost minus standard-mode cost, millions of `currency` (default: nominal USD).';
COMMENT ON COLUMN mart.cer_incremental.break_even_inflation_pct IS 'Constant yearly inflation at which standard mode''s CER would equal the pilot''s (of nominal costs, whatever the money columns say).';
COMMENT ON COLUMN mart.cer_sensitivity.standard_cost_musd IS 'Standard-mode cost under the scenario, millions of `currency` (default: nominal USD).';
COMMENT ON COLUMN mart.cer.price_year IS 'Year whose prices the amounts are in (deflated with the loaded CPI, mart.macro cpi_inflation_pct); null: nominal, each year''s own prices.';
COMMENT ON COLUMN mart.cer.currency IS 'Currency of the amounts: USD (at the price year''s average rate, or each year''s rate when nominal) or KZT (mart.macro usd_kzt).';
COMMENT ON COLUMN mart.cer.discount_rate IS 'Yearly discount rate, %, applied to the amounts (0: not discounted).';
COMMENT ON COLUMN mart.cer.discount_base_year IS 'Year the amounts are discounted to (amount / (1 + discount_rate/100)^(year - discount_base_year)).';
COMMENT ON COLUMN mart.cer_incremental.price_year IS 'Year whose prices the amounts are in (deflated with the loaded CPI, mart.macro cpi_inflation_pct); null: nominal, each year''s own prices.';
COMMENT ON COLUMN mart.cer_incremental.currency IS 'Currency of the amounts: USD (at the price year''s average rate, or each year''s rate when nominal) or KZT (mart.macro usd_kzt).';
COMMENT ON COLUMN mart.cer_incremental.discount_rate IS 'Yearly discount rate, %, applied to the amounts (0: not discounted).';
COMMENT ON COLUMN mart.cer_incremental.discount_base_year IS 'Year the amounts are discounted to (amount / (1 + discount_rate/100)^(year - discount_base_year)).';
COMMENT ON COLUMN mart.cer_sensitivity.price_year IS 'Year whose prices the amounts are in (deflated with the loaded CPI, mart.macro cpi_inflation_pct); null: nominal, each year''s own prices.';
COMMENT ON COLUMN mart.cer_sensitivity.currency IS 'Currency of the amounts: USD (at the price year''s average rate, or each year''s rate when nominal) or KZT (mart.macro usd_kzt).';
COMMENT ON COLUMN mart.cer_sensitivity.discount_rate IS 'Yearly discount rate, %, applied to the amounts (0: not discounted).';
COMMENT ON COLUMN mart.cer_sensitivity.discount_base_year IS 'Year the amounts are discounted to (amount / (1 + discount_rate/100)^(year - discount_base_year)).';
COMMENT ON COLUMN mart.cer_sensitivity_summary.price_year IS 'Year whose prices the amounts are in (deflated with the loaded CPI, mart.macro cpi_inflation_pct); null: nominal, each year''s own prices.';
COMMENT ON COLUMN mart.cer_sensitivity_summary.currency IS 'Currency of the amounts: USD (at the price year''s average rate, or each year''s rate when nominal) or KZT (mart.macro usd_kzt).';
COMMENT ON COLUMN mart.cer_sensitivity_summary.discount_rate IS 'Yearly discount rate, %, applied to the amounts (0: not discounted).';
COMMENT ON COLUMN mart.cer_sensitivity_summary.discount_base_year IS 'Year the amounts are discounted to (amount / (1 + discount_rate/100)^(year - discount_base_year)).';

COMMENT ON VIEW mart.ce_plane IS 'Cost-effectiveness plane: every pilot body-year as incremental cost vs incremental points over its standard mode (the origin), classified against the other bodies of the year (scope year) and the body''s other years (scope body): frontier (with the ICER along it), dominated, or extended_dominance. Latest run per config; docs/analysis.md explains how to read it.';
COMMENT ON COLUMN mart.ce_plane.config IS 'Analysis configuration (data/analysis.yaml: default, thesis, ...); filter on it.';
COMMENT ON COLUMN mart.ce_plane.scope IS 'What the point is compared with: year (every pilot body in the same year) or body (the same body in its other years).';
COMMENT ON COLUMN mart.ce_plane.group_key IS 'The comparison group: the year (scope year) or the body code (scope body).';
COMMENT ON COLUMN mart.ce_plane.body_code IS 'Pilot body (-> mart.bodies).';
COMMENT ON COLUMN mart.ce_plane.body_name IS 'English name of the body (mart.bodies).';
COMMENT ON COLUMN mart.ce_plane.year IS 'Year of the point (after the body''s base year).';
COMMENT ON COLUMN mart.ce_plane.label IS 'The point''s name within its group: the body code (scope year) or the year (scope body); dominated_by and compared_with use these names, standard being the origin.';
COMMENT ON COLUMN mart.ce_plane.incremental_cost IS 'Pilot cost minus standard-mode cost, millions of `currency` at `price_year` prices, discounted as the money columns say (= mart.cer_incremental.incremental_cost_musd).';
COMMENT ON COLUMN mart.ce_plane.incremental_points IS 'Pilot effectiveness minus standard mode''s (the base-year value), percentage points (= mart.cer_incremental.points_gained).';
COMMENT ON COLUMN mart.ce_plane.icer IS 'On the frontier: incremental cost per extra point over the previous frontier point (compared_with), millions of `currency` per point; null for the cheapest frontier point and off the frontier.';
COMMENT ON COLUMN mart.ce_plane.status IS 'frontier; dominated (another point or standard mode costs no more and gains at least as much); extended_dominance (a mix of two frontier points buys its gain more cheaply: its ICER exceeds the next point''s); insufficient_data.';
COMMENT ON COLUMN mart.ce_plane.dominated_by IS 'For a dominated point: the point (label, or standard) that dominates it.';
COMMENT ON COLUMN mart.ce_plane.compared_with IS 'For a frontier point: the previous (cheaper) frontier point its ICER is against (label, or standard).';
COMMENT ON COLUMN mart.ce_plane.frontier_rank IS 'Position along the frontier from the cheapest point (0 is standard mode when it is on the frontier); null off the frontier.';
COMMENT ON COLUMN mart.ce_plane.run_id IS 'The analysis run that produced the row (-> mart.analysis_runs).';
COMMENT ON COLUMN mart.ce_plane.price_year IS 'Year whose prices the amounts are in; null: nominal.';
COMMENT ON COLUMN mart.ce_plane.currency IS 'Currency of the amounts: USD or KZT.';
COMMENT ON COLUMN mart.ce_plane.discount_rate IS 'Yearly discount rate, % (0: not discounted).';
COMMENT ON COLUMN mart.ce_plane.discount_base_year IS 'Year the amounts are discounted to.';

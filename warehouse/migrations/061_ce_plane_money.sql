-- 061: the cost-effectiveness plane and frontier (mart.ce_plane), and the money every CER amount is in.
-- Issue 15 items 2-3. The CER tables gain price_year, currency, discount_rate and discount_base_year
-- (data/analysis.yaml `money`; transforms/analysis/money.py); the views are redefined to show them,
-- which drops DuckDB's comments; warehouse.migrate gives back every comment this file does not
-- rewrite (the amount columns now say which money they are in, below).

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

-- the money every amount is in (replacing the texts of 010/011/059 where they named mln USD)
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

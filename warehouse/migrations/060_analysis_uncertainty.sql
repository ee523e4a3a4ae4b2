-- 060: probabilistic CER (issue 15 item 1): per body-year CER intervals and P(formula (2)), the
-- cost-effectiveness acceptability curve with EVPI, and the verdict's probability. Written by the
-- analysis run when its configuration has an `uncertainty` section (data/analysis.yaml); the views show
-- the latest successful run of each configuration, as the other analysis views do.

CREATE TABLE IF NOT EXISTS core.analysis_cer_uncertainty (
    run_id VARCHAR NOT NULL, config VARCHAR NOT NULL, body_code VARCHAR NOT NULL, year INTEGER NOT NULL,
    mode VARCHAR NOT NULL CHECK (mode IN ('pilot', 'standard')),
    cer_p025 DOUBLE, cer_median DOUBLE, cer_p975 DOUBLE, cer_mean DOUBLE,
    p_formula2 DOUBLE, evpi_max_musd DOUBLE, evpi_max_wtp DOUBLE, draws INTEGER NOT NULL, seed BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS core.analysis_ce_acceptability (
    run_id VARCHAR NOT NULL, config VARCHAR NOT NULL, body_code VARCHAR NOT NULL, year INTEGER NOT NULL,
    wtp DOUBLE NOT NULL, probability DOUBLE NOT NULL, evpi_musd DOUBLE NOT NULL
);

CREATE TABLE IF NOT EXISTS core.analysis_verdict_probability (
    run_id VARCHAR NOT NULL, config VARCHAR NOT NULL, body_code VARCHAR NOT NULL, rule VARCHAR NOT NULL,
    is_default_rule BOOLEAN, verdict VARCHAR, effects_verdict VARCHAR, cost_test VARCHAR, cost_side VARCHAR,
    p_pilot_costlier DOUBLE, cost_years INTEGER[], p_h1 DOUBLE, p_h0 DOUBLE, p_verdict DOUBLE,
    draws INTEGER NOT NULL, seed BIGINT NOT NULL
);

CREATE OR REPLACE VIEW mart.cer_uncertainty AS
SELECT u.config, u.body_code, b.name_en AS body_name, u.year, u.mode, c.cer AS cer_point,
       u.cer_p025, u.cer_median, u.cer_p975, u.cer_mean, u.p_formula2, u.evpi_max_musd, u.evpi_max_wtp,
       u.draws, u.seed, r.parameters->'$.uncertainty' AS distributions, u.run_id
FROM core.analysis_cer_uncertainty u JOIN meta.analysis_latest l USING (run_id, config)
JOIN meta.analysis_runs r USING (run_id)
LEFT JOIN core.analysis_cer c ON c.run_id = u.run_id AND c.body_code = u.body_code AND c.year = u.year AND c.mode = u.mode
LEFT JOIN core.bodies b ON b.body_code = u.body_code;
COMMENT ON VIEW mart.cer_uncertainty IS 'Probabilistic CER (docs/analysis.md, Uncertainty): per pilot body, tested year and mode the 95 % interval and median of the CER over the draws of score, payroll fund and inflation, P(formula (2)) and the largest EVPI over the willingness-to-pay grid. Latest run per config; only configurations with an uncertainty section.';
COMMENT ON COLUMN mart.cer_uncertainty.config IS 'Analysis configuration (data/analysis.yaml: default, thesis, ...); filter on it.';
COMMENT ON COLUMN mart.cer_uncertainty.body_code IS 'Pilot body (-> mart.bodies).';
COMMENT ON COLUMN mart.cer_uncertainty.body_name IS 'English name of the body (mart.bodies).';
COMMENT ON COLUMN mart.cer_uncertainty.year IS 'Tested year (after the base year).';
COMMENT ON COLUMN mart.cer_uncertainty.mode IS 'pilot or standard (as in mart.cer).';
COMMENT ON COLUMN mart.cer_uncertainty.cer_point IS 'The CER computed from the published values (mart.cer.cer), mln USD per percentage point.';
COMMENT ON COLUMN mart.cer_uncertainty.cer_p025 IS '2.5 % quantile of the CER over the draws, mln USD per percentage point (lower end of the 95 % interval).';
COMMENT ON COLUMN mart.cer_uncertainty.cer_median IS 'Median of the CER over the draws, mln USD per percentage point.';
COMMENT ON COLUMN mart.cer_uncertainty.cer_p975 IS '97.5 % quantile of the CER over the draws, mln USD per percentage point (upper end of the 95 % interval).';
COMMENT ON COLUMN mart.cer_uncertainty.cer_mean IS 'Mean of the CER over the draws, mln USD per percentage point.';
COMMENT ON COLUMN mart.cer_uncertainty.p_formula2 IS 'Share of draws in which formula (2) holds, CER(pilot) > CER(standard) (same value on both mode rows).';
COMMENT ON COLUMN mart.cer_uncertainty.evpi_max_musd IS 'Expected value of perfect information, mln USD: its largest value over the willingness-to-pay grid (mart.ce_acceptability has every value); same on both mode rows.';
COMMENT ON COLUMN mart.cer_uncertainty.evpi_max_wtp IS 'Willingness to pay (mln USD per point) at which the EVPI is largest: where the choice is least certain.';
COMMENT ON COLUMN mart.cer_uncertainty.draws IS 'Monte Carlo draws per body-year.';
COMMENT ON COLUMN mart.cer_uncertainty.seed IS 'Seed of the draws: the same seed, body and year give the same draws.';
COMMENT ON COLUMN mart.cer_uncertainty.distributions IS 'The configuration''s uncertainty section (JSON): score_sd, fund_share, inflation_pct, wtp grid.';
COMMENT ON COLUMN mart.cer_uncertainty.run_id IS 'The analysis run that produced the row (-> mart.analysis_runs).';

CREATE OR REPLACE VIEW mart.ce_acceptability AS
SELECT a.config, a.body_code, b.name_en AS body_name, a.year, a.wtp, a.probability, a.evpi_musd, a.run_id
FROM core.analysis_ce_acceptability a JOIN meta.analysis_latest l USING (run_id, config)
LEFT JOIN core.bodies b USING (body_code);
COMMENT ON VIEW mart.ce_acceptability IS 'Cost-effectiveness acceptability curve per pilot body and tested year: the probability that the pilot is cost-effective against standard mode (net monetary benefit wtp x points gained - extra cost > 0) at each willingness to pay per point, with the EVPI there. Latest run per config.';
COMMENT ON COLUMN mart.ce_acceptability.config IS 'Analysis configuration (data/analysis.yaml); filter on it.';
COMMENT ON COLUMN mart.ce_acceptability.body_code IS 'Pilot body (-> mart.bodies).';
COMMENT ON COLUMN mart.ce_acceptability.body_name IS 'English name of the body (mart.bodies).';
COMMENT ON COLUMN mart.ce_acceptability.year IS 'Tested year (after the base year).';
COMMENT ON COLUMN mart.ce_acceptability.wtp IS 'Willingness to pay for one percentage point of overall effectiveness, mln USD (a year''s payroll).';
COMMENT ON COLUMN mart.ce_acceptability.probability IS 'Share of draws in which the pilot is cost-effective at this willingness to pay (0-1).';
COMMENT ON COLUMN mart.ce_acceptability.evpi_musd IS 'Expected value of perfect information at this willingness to pay, mln USD: E[max(net benefit, 0)] - max(E[net benefit], 0).';
COMMENT ON COLUMN mart.ce_acceptability.run_id IS 'The analysis run that produced the row (-> mart.analysis_runs).';

CREATE OR REPLACE VIEW mart.verdict_probability AS
SELECT v.config, v.body_code, b.name_en AS body_name, v.rule, v.is_default_rule, v.verdict, v.effects_verdict,
       v.cost_test, v.cost_side, v.cost_years, v.p_pilot_costlier, v.p_h1, v.p_h0, v.p_verdict, v.draws, v.seed,
       v.run_id
FROM core.analysis_verdict_probability v JOIN meta.analysis_latest l USING (run_id, config)
LEFT JOIN core.bodies b USING (body_code);
COMMENT ON VIEW mart.verdict_probability IS 'Per pilot body and effect rule: the probability over the draws that H1 (and H0) holds and that the computed verdict (mart.verdicts) holds. The factor side is taken as computed; the draws move the cost side (formula (2)).';
COMMENT ON COLUMN mart.verdict_probability.config IS 'Analysis configuration (data/analysis.yaml); filter on it.';
COMMENT ON COLUMN mart.verdict_probability.body_code IS 'Pilot body (-> mart.bodies).';
COMMENT ON COLUMN mart.verdict_probability.body_name IS 'English name of the body (mart.bodies).';
COMMENT ON COLUMN mart.verdict_probability.rule IS 'Effect rule (as mart.verdicts.rule).';
COMMENT ON COLUMN mart.verdict_probability.is_default_rule IS 'True for the configuration''s default rule.';
COMMENT ON COLUMN mart.verdict_probability.verdict IS 'The verdict computed from the published values (H0, H1; null when insufficient_data).';
COMMENT ON COLUMN mart.verdict_probability.effects_verdict IS 'The factor side alone (H0, H1), as computed.';
COMMENT ON COLUMN mart.verdict_probability.cost_test IS 'Formula (2) from the published values: pilot_costlier or pilot_not_costlier.';
COMMENT ON COLUMN mart.verdict_probability.cost_side IS 'veto (the cost side can decide H1) or report (shown only).';
COMMENT ON COLUMN mart.verdict_probability.cost_years IS 'Years formula (2) is read off for the cost side (the last tested year, or every tested year).';
COMMENT ON COLUMN mart.verdict_probability.p_pilot_costlier IS 'Share of draws in which the cost side says pilot_costlier (formula (2) holds in the last year, or in any tested year).';
COMMENT ON COLUMN mart.verdict_probability.p_h1 IS 'Probability that H1 holds (the project is insufficient): 1 when the factor side is H1, else p_pilot_costlier under veto.';
COMMENT ON COLUMN mart.verdict_probability.p_h0 IS '1 - p_h1.';
COMMENT ON COLUMN mart.verdict_probability.p_verdict IS 'Probability that the computed verdict holds (p_h1 for H1, p_h0 for H0); null when undecided.';
COMMENT ON COLUMN mart.verdict_probability.draws IS 'Monte Carlo draws per body-year.';
COMMENT ON COLUMN mart.verdict_probability.seed IS 'Seed of the draws.';
COMMENT ON COLUMN mart.verdict_probability.run_id IS 'The analysis run that produced the row (-> mart.analysis_runs).';

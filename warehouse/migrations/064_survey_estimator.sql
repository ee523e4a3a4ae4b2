-- 064: the estimator of each survey model fit (issue 15 item 6): ml (maximum likelihood on the
-- covariances of the answers, the default), dwls (ordinal: diagonally weighted least squares on
-- polychoric correlations with thresholds, lavaan's estimator = "DWLS" with ordered items) or wlsmv
-- (the same estimates, robust SEs and the scaled-and-shifted test, lavaan's "WLSMV").
-- Rows written before this migration have estimator NULL: they were all ML.
ALTER TABLE core.survey_fit ADD COLUMN estimator VARCHAR;
ALTER TABLE core.survey_estimates ADD COLUMN estimator VARCHAR;

CREATE OR REPLACE VIEW mart.survey_fit AS
SELECT f.instrument, f.wave, s.synthetic, f.model, f.measure, f.value, f.acceptable, f.n_used, f.missing_method,
       f.converged, f.load_id, f.estimator
FROM core.survey_fit f JOIN core.survey_runs s USING (instrument, wave);
COMMENT ON VIEW mart.survey_fit IS 'Fit indices of the CFA and the structural model (thesis Table 12): chisq, df, pvalue, gfi, agfi, cfi, tli, ifi, nfi, rmsea, cmin_df, aic, bic, logl; computed by pilotwatch the way lavaan does (see docs/surveys.md), not taken from semopy. acceptable = the threshold the thesis uses. estimator = ml, dwls or wlsmv: the ordinal indices (standard, unscaled test; with wlsmv also chisq_scaled, pvalue_scaled, scaling_factor, shift, cfi_scaled, tli_scaled, rmsea_scaled) are not comparable with ML ones, and the likelihood-based indices (gfi, agfi, aic, bic, logl) are null for them.';

CREATE OR REPLACE VIEW mart.survey_estimates AS
SELECT e.instrument, e.wave, s.synthetic, e.model, e.lhs, e.op, e.rhs, e.kind, e.estimate, e.se, e.z, e.p,
       e.std_estimate, e.load_id, e.estimator, e.boot_lo, e.boot_hi, e.boot_bc_lo, e.boot_bc_hi, e.boot_level,
       e.boot_draws, e.boot_failed, e.boot_seed
FROM core.survey_estimates e JOIN core.survey_runs s USING (instrument, wave);
COMMENT ON VIEW mart.survey_estimates IS 'Parameter estimates (thesis Table K.2 format): loadings (op =~), regressions (~), variances and covariances (~~) with SE, z, p and the standardized value (std.all); model = ''sem'' also has kind direct/indirect/total effects of each factor on ICS (op ''effect'', delta-method SE). With estimator dwls or wlsmv also the thresholds (op |, kind threshold, rhs t1..t4), and the items'' residual variances are derived (1 - explained, no SE). After `pilotwatch survey model_test --bootstrap N`, bootstrap intervals of the indirect and total effects (boot_*, columns added by 062).';

COMMENT ON COLUMN mart.survey_estimates.op IS '=~ loading, ~ regression, ~~ (co)variance, | threshold (estimator dwls or wlsmv), effect for direct/indirect/total effects.';
COMMENT ON COLUMN mart.survey_estimates.kind IS 'loading, regression, variance, covariance, threshold (estimator dwls or wlsmv); for op effect: direct, indirect or total.';

COMMENT ON COLUMN mart.survey_fit.estimator IS 'ml (maximum likelihood, the default), dwls (ordinal: DWLS on polychoric correlations, lavaan''s estimator = "DWLS" with ordered items; standard unscaled test, N - 1) or wlsmv (same estimates, robust SEs, scaled-and-shifted test); null for rows stored before migration 064 (all ML).';
COMMENT ON COLUMN mart.survey_estimates.estimator IS 'ml (maximum likelihood, the default), dwls (ordinal: DWLS on polychoric correlations, estimates on the latent-response scale, standard SEs) or wlsmv (same estimates, robust SEs); null for rows stored before migration 064 (all ML).';
COMMENT ON COLUMN mart.survey_estimates.boot_lo IS 'Bootstrap percentile interval, lower end (lavaan boot.ci.type = "perc"), for indirect and total effects; null without --bootstrap.';
COMMENT ON COLUMN mart.survey_estimates.boot_hi IS 'Bootstrap percentile interval, upper end; an interval that excludes 0 is evidence of an effect.';
COMMENT ON COLUMN mart.survey_estimates.boot_bc_lo IS 'Bias-corrected bootstrap interval, lower end (lavaan boot.ci.type = "bca.simple": bias correction, no acceleration).';
COMMENT ON COLUMN mart.survey_estimates.boot_bc_hi IS 'Bias-corrected bootstrap interval, upper end.';
COMMENT ON COLUMN mart.survey_estimates.boot_level IS 'Confidence level of the boot_* intervals (0.95).';
COMMENT ON COLUMN mart.survey_estimates.boot_draws IS 'Bootstrap resamples requested (--bootstrap N).';
COMMENT ON COLUMN mart.survey_estimates.boot_failed IS 'Resamples whose refit failed (no convergence, an item without variance); left out of the intervals, which rest on boot_draws - boot_failed refits.';
COMMENT ON COLUMN mart.survey_estimates.boot_seed IS 'Seed of the resampling (--seed): the same seed and data give the same intervals.';

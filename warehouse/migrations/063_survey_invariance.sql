-- 063: measurement invariance of the model_test CFA across groups (issue 15 item 5;
-- `pilotwatch survey model_test PATH --group COLUMN`). One row per model (configural, metric, scalar)
-- of the last run of an (instrument, wave) with --group; a re-run replaces the wave's rows (a run
-- without --group leaves none). Computed by transforms/survey/invariance.py the way lavaan does.

CREATE TABLE core.survey_invariance (
    load_id           BIGINT NOT NULL,
    instrument        VARCHAR NOT NULL,
    wave              VARCHAR NOT NULL,
    group_column      VARCHAR NOT NULL,
    groups            VARCHAR NOT NULL,
    n_used            BIGINT NOT NULL,
    model             VARCHAR NOT NULL CHECK (model IN ('configural', 'metric', 'scalar')),
    equal_constraints VARCHAR NOT NULL,
    chisq DOUBLE, df DOUBLE, pvalue DOUBLE, cfi DOUBLE, tli DOUBLE, rmsea DOUBLE, npar DOUBLE,
    aic DOUBLE, bic DOUBLE,
    converged         BOOLEAN NOT NULL,
    compared_with     VARCHAR,
    delta_chisq DOUBLE, delta_df BIGINT, delta_pvalue DOUBLE, delta_cfi DOUBLE, delta_rmsea DOUBLE,
    holds             BOOLEAN,
    rule              VARCHAR,
    PRIMARY KEY (instrument, wave, model)
);

CREATE OR REPLACE VIEW mart.survey_invariance AS
SELECT i.instrument, i.wave, s.synthetic, i.group_column, i.groups, i.n_used, i.model, i.equal_constraints,
       i.chisq, i.df, i.pvalue, i.cfi, i.tli, i.rmsea, i.npar, i.aic, i.bic, i.converged, i.compared_with,
       i.delta_chisq, i.delta_df, i.delta_pvalue, i.delta_cfi, i.delta_rmsea, i.holds, i.rule, i.load_id
FROM core.survey_invariance i JOIN core.survey_runs s USING (instrument, wave);
COMMENT ON VIEW mart.survey_invariance IS 'Measurement invariance of the survey CFA across groups (pilotwatch survey model_test --group COLUMN): the configural (same pattern), metric (equal loadings) and scalar (equal loadings and intercepts) multi-group models with chi-square, df, CFI, RMSEA computed as lavaan does, and each model''s chi-square difference test and change in CFI against the model before it. Compare factor means between groups only where scalar invariance holds, and paths only where metric invariance holds (docs/surveys.md).';
COMMENT ON COLUMN mart.survey_invariance.instrument IS 'Survey instrument (model_test: the only one with a factor model).';
COMMENT ON COLUMN mart.survey_invariance.wave IS 'Survey wave label (the fieldwork year; demo-synthetic for the generated demo sample).';
COMMENT ON COLUMN mart.survey_invariance.synthetic IS 'True for generated demo data: never real respondents or records.';
COMMENT ON COLUMN mart.survey_invariance.group_column IS 'The column the groups come from, as given to --group (body, a demographic code or an export header).';
COMMENT ON COLUMN mart.survey_invariance.groups IS 'Each group with its respondents, e.g. acsa (120), astana (140); the first is the reference group whose latent means are fixed at 0 in the scalar model.';
COMMENT ON COLUMN mart.survey_invariance.n_used IS 'Respondents fitted: complete CFA answers and a group (listwise deletion).';
COMMENT ON COLUMN mart.survey_invariance.model IS 'configural, metric or scalar.';
COMMENT ON COLUMN mart.survey_invariance.equal_constraints IS 'What the model holds equal across groups, in lavaan''s group.equal words: none, loadings, or loadings, intercepts.';
COMMENT ON COLUMN mart.survey_invariance.chisq IS 'Model chi-square: sum over groups of N_g times the ML discrepancy with means (lavaan''s N, not N - 1).';
COMMENT ON COLUMN mart.survey_invariance.df IS 'Degrees of freedom: G (p(p+1)/2 + p) moments less the free parameters (equal parameters counted once).';
COMMENT ON COLUMN mart.survey_invariance.pvalue IS 'p-value of the chi-square (p > .05: exact fit not rejected).';
COMMENT ON COLUMN mart.survey_invariance.cfi IS 'Comparative fit index against the multi-group independence model (> .90 acceptable, as thesis Table 12).';
COMMENT ON COLUMN mart.survey_invariance.tli IS 'Tucker-Lewis index against the same baseline.';
COMMENT ON COLUMN mart.survey_invariance.rmsea IS 'RMSEA with lavaan''s multi-group correction sqrt(G) (< .08 acceptable, < .05 good).';
COMMENT ON COLUMN mart.survey_invariance.npar IS 'Free parameters of the multi-group model.';
COMMENT ON COLUMN mart.survey_invariance.aic IS 'Akaike information criterion (-2 logL + 2 npar).';
COMMENT ON COLUMN mart.survey_invariance.bic IS 'Bayesian information criterion (-2 logL + npar log N).';
COMMENT ON COLUMN mart.survey_invariance.converged IS 'True when the optimizer converged; otherwise do not read the row.';
COMMENT ON COLUMN mart.survey_invariance.compared_with IS 'The less constrained model this one is tested against (null for configural).';
COMMENT ON COLUMN mart.survey_invariance.delta_chisq IS 'Chi-square difference against compared_with (lavaan lavTestLRT).';
COMMENT ON COLUMN mart.survey_invariance.delta_df IS 'Difference in degrees of freedom against compared_with.';
COMMENT ON COLUMN mart.survey_invariance.delta_pvalue IS 'p-value of the chi-square difference test (< .05: the added equality constraints are rejected).';
COMMENT ON COLUMN mart.survey_invariance.delta_cfi IS 'Change in CFI against compared_with (at or below -0.01: a meaningful loss of fit, Chen 2007).';
COMMENT ON COLUMN mart.survey_invariance.delta_rmsea IS 'Change in RMSEA against compared_with.';
COMMENT ON COLUMN mart.survey_invariance.holds IS 'True when this level of invariance holds by the rule in rule; null for configural.';
COMMENT ON COLUMN mart.survey_invariance.rule IS 'The decision rule applied (chi-square difference p and change in CFI).';
COMMENT ON COLUMN mart.survey_invariance.load_id IS 'The load the row came from (-> mart.loads).';

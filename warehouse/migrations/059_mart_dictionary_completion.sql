-- 059: data-dictionary comments for the mart columns that were still undocumented when the
-- operations issue closed (analysis and survey views). Written by operations because
-- tests/test_ops_dictionary.py requires every mart column to have one.
-- Owners: prefer documenting a column in the migration that creates its view. This file runs after
-- every other migration on a new warehouse, so when you document one of these columns yourself,
-- delete its line here (or your text would be overwritten by this one).

COMMENT ON COLUMN mart.analysis_runs.started_at IS 'When it started (UTC).';
COMMENT ON COLUMN mart.analysis_runs.finished_at IS 'When it finished (UTC); null while running.';
COMMENT ON COLUMN mart.analysis_runs.inflation_series IS 'Macro series the standard-mode costs were indexed with (-> mart.macro); null for a constant rate.';
COMMENT ON COLUMN mart.analysis_runs.row_counts IS 'Rows the run wrote per result table (JSON).';
COMMENT ON COLUMN mart.analysis_runs.flow_run_id IS 'Prefect flow run that computed it (find it in the Prefect UI).';
COMMENT ON COLUMN mart.analysis_runs.message IS 'Why a run failed; null when ok.';

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

COMMENT ON COLUMN mart.factor_effects.body_name IS 'English name of the body (mart.bodies).';
COMMENT ON COLUMN mart.factor_effects.role IS 'effect, mediator (Citizen Centricity), cost (Resources) or context.';
COMMENT ON COLUMN mart.factor_effects.n_indicators IS 'Number of indicators of the factor that were compared.';
COMMENT ON COLUMN mart.factor_effects.run_id IS 'The analysis run that produced the row (-> mart.analysis_runs).';

COMMENT ON COLUMN mart.grades.config IS 'Analysis configuration (data/analysis.yaml: default, thesis, ...); filter on it.';
COMMENT ON COLUMN mart.grades.body_name IS 'English name of the body (mart.bodies).';
COMMENT ON COLUMN mart.grades.body_kind IS 'body (a state body) or peer_group (a published average).';
COMMENT ON COLUMN mart.grades.year IS 'Calendar year.';
COMMENT ON COLUMN mart.grades.indicator IS 'Indicator code (-> data/reference/indicators.csv).';
COMMENT ON COLUMN mart.grades.band_from IS 'Lower bound of the grade''s band (%).';
COMMENT ON COLUMN mart.grades.band_to IS 'Upper bound of the grade''s band (%); null for the top band.';
COMMENT ON COLUMN mart.grades.run_id IS 'The analysis run that produced the row (-> mart.analysis_runs).';

COMMENT ON COLUMN mart.indicator_effects.config IS 'Analysis configuration (data/analysis.yaml: default, thesis, ...); filter on it.';
COMMENT ON COLUMN mart.indicator_effects.body_code IS 'Pilot body (-> mart.bodies).';
COMMENT ON COLUMN mart.indicator_effects.body_name IS 'English name of the body (mart.bodies).';
COMMENT ON COLUMN mart.indicator_effects.factor IS 'Factor of the conceptual model (Leadership, Strategy, Organization, Human Capital, Citizen Centricity, Resources; in surveys L, S, O, HC, R, CC, ICS).';
COMMENT ON COLUMN mart.indicator_effects.role IS 'effect, mediator (Citizen Centricity), cost (Resources) or context.';
COMMENT ON COLUMN mart.indicator_effects.indicator IS 'Indicator code (-> data/reference/indicators.csv).';
COMMENT ON COLUMN mart.indicator_effects.direction IS 'higher_is_better or lower_is_better.';
COMMENT ON COLUMN mart.indicator_effects.rule IS 'Effect rule: endpoint, pilot_window, first_pilot_step, no_decline, vs_peer, gain_vs_peer (docs/analysis.md).';
COMMENT ON COLUMN mart.indicator_effects.peer_code IS 'The peer group compared with (-> mart.bodies).';
COMMENT ON COLUMN mart.indicator_effects.from_year IS 'First year of the comparison.';
COMMENT ON COLUMN mart.indicator_effects.to_year IS 'Last year of the comparison.';
COMMENT ON COLUMN mart.indicator_effects.margin IS 'Direction-aware change (>= 0 is positive), in the indicator''s unit (percentage points for %).';
COMMENT ON COLUMN mart.indicator_effects.effect IS 'positive or negative; null when insufficient_data.';
COMMENT ON COLUMN mart.indicator_effects.inputs IS 'The values compared (body or peer group, year, value).';
COMMENT ON COLUMN mart.indicator_effects.explanation IS 'The comparison in words.';
COMMENT ON COLUMN mart.indicator_effects.status IS 'ok, or insufficient_data when an input is missing (see missing).';
COMMENT ON COLUMN mart.indicator_effects.missing IS 'What was missing when status is insufficient_data.';
COMMENT ON COLUMN mart.indicator_effects.run_id IS 'The analysis run that produced the row (-> mart.analysis_runs).';

COMMENT ON COLUMN mart.robustness.config IS 'Analysis configuration (data/analysis.yaml: default, thesis, ...); filter on it.';
COMMENT ON COLUMN mart.robustness.body_code IS 'Pilot body (-> mart.bodies).';
COMMENT ON COLUMN mart.robustness.body_name IS 'English name of the body (mart.bodies).';
COMMENT ON COLUMN mart.robustness.default_rule IS 'The configuration''s default effect rule (the verdict column).';
COMMENT ON COLUMN mart.robustness.undecided_rules IS 'Rules under which there is no verdict (insufficient data).';
COMMENT ON COLUMN mart.robustness.rules_h0 IS 'Rules under which H0 is supported.';
COMMENT ON COLUMN mart.robustness.rules_h1 IS 'Rules under which H1 is supported.';
COMMENT ON COLUMN mart.robustness.effects_holds_under_every_rule IS 'Factor side alone: True when every rule gives the same effects verdict.';
COMMENT ON COLUMN mart.robustness.effects_rules_h0 IS 'Factor side alone: rules giving H0.';
COMMENT ON COLUMN mart.robustness.effects_rules_h1 IS 'Factor side alone: rules giving H1.';
COMMENT ON COLUMN mart.robustness.cost_test IS 'Formula (2) in the configured years: pilot_costlier when CER(pilot) > CER(standard); null when it could not be computed.';
COMMENT ON COLUMN mart.robustness.status IS 'ok, or insufficient_data when an input is missing (see missing).';
COMMENT ON COLUMN mart.robustness.missing IS 'What was missing when status is insufficient_data.';
COMMENT ON COLUMN mart.robustness.run_id IS 'The analysis run that produced the row (-> mart.analysis_runs).';

COMMENT ON COLUMN mart.survey_distributions.instrument IS 'Survey instrument: model_test, employees or citizens (data/reference/survey_items.yaml).';
COMMENT ON COLUMN mart.survey_distributions.wave IS 'Survey wave label (the fieldwork year; demo-synthetic for the generated demo sample).';
COMMENT ON COLUMN mart.survey_distributions.synthetic IS 'True for generated demo data: never real respondents or records.';
COMMENT ON COLUMN mart.survey_distributions.body_code IS 'Body the respondents work in (-> mart.bodies); null = all respondents of the wave.';
COMMENT ON COLUMN mart.survey_distributions.body_name IS 'English name of the body; null = all respondents.';
COMMENT ON COLUMN mart.survey_distributions.measure IS 'answer_distribution (per item or question) or top_answer_share (per factor).';
COMMENT ON COLUMN mart.survey_distributions.factor IS 'Survey factor code: L, S, O, HC, R, CC, ICS (Annex F).';
COMMENT ON COLUMN mart.survey_distributions.question IS 'Item or closed question code (Annexes F-I); null for a per-factor measure.';
COMMENT ON COLUMN mart.survey_distributions.answer IS 'The answer counted (Likert point 1-5 or a closed question''s option); for top_answer_share the top point.';
COMMENT ON COLUMN mart.survey_distributions.n IS 'Respondents giving the answer; null when suppressed.';
COMMENT ON COLUMN mart.survey_distributions.base_n IS 'Respondents who answered (the share''s denominator).';
COMMENT ON COLUMN mart.survey_distributions.share IS 'n / base_n (0-1); null when suppressed.';
COMMENT ON COLUMN mart.survey_distributions.suppressed IS 'True when the cell is hidden (fewer than 5 respondents, or secondary suppression).';
COMMENT ON COLUMN mart.survey_distributions.load_id IS 'The load the row came from (-> mart.loads).';

COMMENT ON COLUMN mart.survey_estimates.instrument IS 'Survey instrument: model_test, employees or citizens (data/reference/survey_items.yaml).';
COMMENT ON COLUMN mart.survey_estimates.wave IS 'Survey wave label (the fieldwork year; demo-synthetic for the generated demo sample).';
COMMENT ON COLUMN mart.survey_estimates.synthetic IS 'True for generated demo data: never real respondents or records.';
COMMENT ON COLUMN mart.survey_estimates.model IS 'cfa (measurement model) or sem (structural model).';
COMMENT ON COLUMN mart.survey_estimates.lhs IS 'Left-hand side of the lavaan-style formula (a factor, item or the outcome).';
COMMENT ON COLUMN mart.survey_estimates.op IS '=~ loading, ~ regression, ~~ (co)variance, effect for direct/indirect/total effects.';
COMMENT ON COLUMN mart.survey_estimates.rhs IS 'Right-hand side of the formula.';
COMMENT ON COLUMN mart.survey_estimates.kind IS 'For op effect: direct, indirect or total; otherwise null.';
COMMENT ON COLUMN mart.survey_estimates.estimate IS 'Unstandardized estimate.';
COMMENT ON COLUMN mart.survey_estimates.se IS 'Standard error.';
COMMENT ON COLUMN mart.survey_estimates.z IS 'z statistic (estimate / se).';
COMMENT ON COLUMN mart.survey_estimates.p IS 'p-value.';
COMMENT ON COLUMN mart.survey_estimates.std_estimate IS 'Standardized estimate (std.all).';
COMMENT ON COLUMN mart.survey_estimates.load_id IS 'The load the row came from (-> mart.loads).';

COMMENT ON COLUMN mart.survey_fit.instrument IS 'Survey instrument: model_test, employees or citizens (data/reference/survey_items.yaml).';
COMMENT ON COLUMN mart.survey_fit.wave IS 'Survey wave label (the fieldwork year; demo-synthetic for the generated demo sample).';
COMMENT ON COLUMN mart.survey_fit.synthetic IS 'True for generated demo data: never real respondents or records.';
COMMENT ON COLUMN mart.survey_fit.model IS 'cfa (measurement model) or sem (structural model).';
COMMENT ON COLUMN mart.survey_fit.measure IS 'Fit index: chisq, df, pvalue, baseline_chisq, baseline_df, gfi, agfi, cfi, tli, ifi, nfi, rmsea, cmin_df, aic, bic, logl.';
COMMENT ON COLUMN mart.survey_fit.value IS 'The index value.';
COMMENT ON COLUMN mart.survey_fit.acceptable IS 'How the thesis reads the index (Table 12), e.g. > .90 or p > .05 means exact fit is not rejected; null when it has no threshold.';
COMMENT ON COLUMN mart.survey_fit.n_used IS 'Respondents the model was fitted on.';
COMMENT ON COLUMN mart.survey_fit.missing_method IS 'How missing answers were handled: listwise or fiml.';
COMMENT ON COLUMN mart.survey_fit.converged IS 'True when the optimizer converged.';
COMMENT ON COLUMN mart.survey_fit.load_id IS 'The load the row came from (-> mart.loads).';

COMMENT ON COLUMN mart.survey_reliability.instrument IS 'Survey instrument: model_test, employees or citizens (data/reference/survey_items.yaml).';
COMMENT ON COLUMN mart.survey_reliability.wave IS 'Survey wave label (the fieldwork year; demo-synthetic for the generated demo sample).';
COMMENT ON COLUMN mart.survey_reliability.synthetic IS 'True for generated demo data: never real respondents or records.';
COMMENT ON COLUMN mart.survey_reliability.construct IS 'Construct (factor) code: L, S, O, HC, R, CC, ICS.';
COMMENT ON COLUMN mart.survey_reliability.construct_name IS 'Construct name.';
COMMENT ON COLUMN mart.survey_reliability.item IS 'Item code; null on the construct''s own row.';
COMMENT ON COLUMN mart.survey_reliability.n IS 'Respondents used (listwise within the construct).';
COMMENT ON COLUMN mart.survey_reliability.n_items IS 'Items in the construct.';
COMMENT ON COLUMN mart.survey_reliability.alpha IS 'Cronbach''s alpha of the construct (on the construct row).';
COMMENT ON COLUMN mart.survey_reliability.item_total_r IS 'Corrected item-total correlation (item rows).';
COMMENT ON COLUMN mart.survey_reliability.alpha_if_deleted IS 'Alpha of the construct without this item (item rows).';
COMMENT ON COLUMN mart.survey_reliability.mean IS 'Mean answer (Likert points).';
COMMENT ON COLUMN mart.survey_reliability.sd IS 'Standard deviation of the answers.';
COMMENT ON COLUMN mart.survey_reliability.note IS 'Why a value is absent (e.g. a one-item construct has no alpha).';
COMMENT ON COLUMN mart.survey_reliability.load_id IS 'The load the row came from (-> mart.loads).';

COMMENT ON COLUMN mart.survey_runs.instrument IS 'Survey instrument: model_test, employees or citizens (data/reference/survey_items.yaml).';
COMMENT ON COLUMN mart.survey_runs.wave IS 'Survey wave label (the fieldwork year; demo-synthetic for the generated demo sample).';
COMMENT ON COLUMN mart.survey_runs.synthetic IS 'True for generated demo data: never real respondents or records.';
COMMENT ON COLUMN mart.survey_runs.source_uri IS 'File or URL the export was read from.';
COMMENT ON COLUMN mart.survey_runs.n_read IS 'Responses read.';
COMMENT ON COLUMN mart.survey_runs.n_accepted IS 'Responses kept after screening.';
COMMENT ON COLUMN mart.survey_runs.n_quarantined IS 'Responses screened out (-> mart.quarantine with the reason).';
COMMENT ON COLUMN mart.survey_runs.missing_method IS 'How missing answers were handled: listwise or fiml.';
COMMENT ON COLUMN mart.survey_runs.screening_rule IS 'The screening applied to responses (share of missing answers, straight-lining), in words.';
COMMENT ON COLUMN mart.survey_runs.warnings IS 'Warnings about the model fit (e.g. too few respondents per parameter), in words.';
COMMENT ON COLUMN mart.survey_runs.created_at IS 'When the row was written (UTC).';
COMMENT ON COLUMN mart.survey_runs.load_id IS 'The load the row came from (-> mart.loads).';

COMMENT ON COLUMN mart.survey_verdicts.instrument IS 'Survey instrument: model_test, employees or citizens (data/reference/survey_items.yaml).';
COMMENT ON COLUMN mart.survey_verdicts.wave IS 'Survey wave label (the fieldwork year; demo-synthetic for the generated demo sample).';
COMMENT ON COLUMN mart.survey_verdicts.synthetic IS 'True for generated demo data: never real respondents or records.';
COMMENT ON COLUMN mart.survey_verdicts.hypothesis IS 'H1-H5 (thesis 1.3.1, Table 13).';
COMMENT ON COLUMN mart.survey_verdicts.factor IS 'Survey factor code: L, S, O, HC, R (Annex F).';
COMMENT ON COLUMN mart.survey_verdicts.statement IS 'The hypothesis in words.';
COMMENT ON COLUMN mart.survey_verdicts.effect IS 'Which effect is judged (total effect on ICS).';
COMMENT ON COLUMN mart.survey_verdicts.estimate IS 'Unstandardized effect.';
COMMENT ON COLUMN mart.survey_verdicts.std_estimate IS 'Standardized estimate (std.all).';
COMMENT ON COLUMN mart.survey_verdicts.p IS 'p-value.';
COMMENT ON COLUMN mart.survey_verdicts.verdict IS 'supported, not supported, or undetermined (the model did not converge or was not fitted).';
COMMENT ON COLUMN mart.survey_verdicts.rule IS 'The decision rule applied, in words.';
COMMENT ON COLUMN mart.survey_verdicts.load_id IS 'The load the row came from (-> mart.loads).';

COMMENT ON COLUMN mart.verdicts.body_name IS 'English name of the body (mart.bodies).';
COMMENT ON COLUMN mart.verdicts.is_default_rule IS 'True for the configuration''s default effect rule.';
COMMENT ON COLUMN mart.verdicts.statement IS 'The hypothesis in words (thesis 1.3.3).';
COMMENT ON COLUMN mart.verdicts.verdict IS 'H0 or H1: the hypothesis supported overall under this rule (null when undecided).';
COMMENT ON COLUMN mart.verdicts.negative_factors IS 'Factors with a negative effect under this rule.';
COMMENT ON COLUMN mart.verdicts.positive_factors IS 'Factors with a positive effect under this rule.';
COMMENT ON COLUMN mart.verdicts.insufficient_factors IS 'Factors without enough data for an effect.';
COMMENT ON COLUMN mart.verdicts.cost_years IS 'Years the cost side (formula (2)) was read in.';
COMMENT ON COLUMN mart.verdicts.cost_years_pilot_costlier IS 'Of those, years with CER(pilot) > CER(standard).';
COMMENT ON COLUMN mart.verdicts.cost_side IS 'How the cost side counts: veto (H0 also needs CER(pilot) <= CER(standard)) or report (shown only).';
COMMENT ON COLUMN mart.verdicts.status IS 'ok, or insufficient_data when an input is missing (see missing).';
COMMENT ON COLUMN mart.verdicts.missing IS 'What was missing when status is insufficient_data.';
COMMENT ON COLUMN mart.verdicts.run_id IS 'The analysis run that produced the row (-> mart.analysis_runs).';

-- 012: methodology versions and series breaks. A method change or a change of scale starts a new
-- series of an indicator (data/reference/series_breaks.csv, seeded with the registry). Effects and
-- verdicts name every break the years they compared straddle (series_breaks), so no comparison across
-- a break goes unsaid; the alert rule indicator_turned_negative observes such a jump as series_break.
-- mart.factor_effects and mart.verdicts are redefined from 010 with that one column added (every other
-- column and its comment unchanged: they are repeated here because a redefined view loses them).

CREATE TABLE core.series_breaks (
    indicator     VARCHAR NOT NULL,
    first_year    INTEGER NOT NULL,
    kind          VARCHAR NOT NULL CHECK (kind IN ('method', 'scale')),
    method_before VARCHAR,
    method_after  VARCHAR,
    note          VARCHAR,
    PRIMARY KEY (indicator, first_year)
);

-- Per analysis row, the breaks its inputs straddle: an indicator with an input year before the break
-- and one on or after it. Same test and words as transforms/series_breaks.py (label, straddled).
CREATE OR REPLACE VIEW core.factor_effect_breaks AS
SELECT f.run_id, f.config, f.body_code, f.factor, f.rule,
       list(s.indicator || ' from ' || s.first_year || ' (' || s.kind || ')' ORDER BY s.first_year, s.indicator)
           FILTER (WHERE s.indicator IS NOT NULL) AS series_breaks
FROM core.analysis_factor_effects f
LEFT JOIN core.series_breaks s
  ON len(list_filter(f.inputs, lambda x: x.indicator = s.indicator AND x.year < s.first_year)) > 0
 AND len(list_filter(f.inputs, lambda x: x.indicator = s.indicator AND x.year >= s.first_year)) > 0
GROUP BY ALL;

CREATE OR REPLACE VIEW mart.series_breaks AS
SELECT s.indicator, i.name AS indicator_name, i.dataset, s.first_year, s.kind, s.method_before, s.method_after,
       s.indicator || ' from ' || s.first_year || ' (' || s.kind || ')' AS label, s.note
FROM core.series_breaks s LEFT JOIN core.indicators i USING (indicator)
ORDER BY s.indicator, s.first_year;
COMMENT ON VIEW mart.series_breaks IS 'Series breaks: from first_year an indicator is measured by another method or on another scale, so its values are not comparable with earlier years. Effects, verdicts and alerts name the breaks they straddle. Add one as a row of data/reference/series_breaks.csv (docs/analysis.md).';
COMMENT ON COLUMN mart.series_breaks.indicator IS 'Indicator code (-> core.indicators).';
COMMENT ON COLUMN mart.series_breaks.indicator_name IS 'Indicator name (English).';
COMMENT ON COLUMN mart.series_breaks.dataset IS 'Dataset the indicator is delivered in.';
COMMENT ON COLUMN mart.series_breaks.first_year IS 'First year of the new series.';
COMMENT ON COLUMN mart.series_breaks.kind IS 'method (a methodology change) or scale (a change of scale or unit).';
COMMENT ON COLUMN mart.series_breaks.method_before IS 'The method or scale up to first_year - 1.';
COMMENT ON COLUMN mart.series_breaks.method_after IS 'The method or scale from first_year on.';
COMMENT ON COLUMN mart.series_breaks.label IS 'How the break is named in mart.factor_effects.series_breaks, mart.verdicts.series_breaks and alert notes.';
COMMENT ON COLUMN mart.series_breaks.note IS 'Where the break comes from and what it changes.';

-- One row per indicator and method period: the first period runs to the first break, each break
-- opens the next. An indicator without a break has one open period.
CREATE OR REPLACE VIEW mart.indicator_methods AS
WITH b AS (
    SELECT indicator, first_year, kind, method_before, method_after, note,
           row_number() OVER (PARTITION BY indicator ORDER BY first_year) AS n,
           lead(first_year) OVER (PARTITION BY indicator ORDER BY first_year) AS next_year
    FROM core.series_breaks
), periods AS (
    SELECT indicator, 1 AS series, NULL::INTEGER AS from_year, first_year - 1 AS to_year,
           method_before AS method, NULL AS opened_by, NULL AS note
    FROM b WHERE n = 1
    UNION ALL
    SELECT indicator, n + 1, first_year, next_year - 1, method_after, kind, note FROM b
)
SELECT i.indicator, i.name AS indicator_name, i.dataset, coalesce(p.series, 1) AS series, p.from_year, p.to_year,
       coalesce(p.method, 'as published (no recorded break)') AS method, p.opened_by, p.note
FROM core.indicators i LEFT JOIN periods p USING (indicator)
ORDER BY i.indicator, series;
COMMENT ON VIEW mart.indicator_methods IS 'The method period every indicator value was measured under: per indicator, one row per series (from_year..to_year, null = open). A value of year Y belongs to the row with from_year <= Y <= to_year. Values of different series are not comparable (mart.series_breaks).';
COMMENT ON COLUMN mart.indicator_methods.indicator IS 'Indicator code (-> core.indicators).';
COMMENT ON COLUMN mart.indicator_methods.indicator_name IS 'Indicator name (English).';
COMMENT ON COLUMN mart.indicator_methods.dataset IS 'Dataset the indicator is delivered in.';
COMMENT ON COLUMN mart.indicator_methods.series IS 'Series number: 1 before the first break, +1 at each break.';
COMMENT ON COLUMN mart.indicator_methods.from_year IS 'First year of the period (null: from the first year on record).';
COMMENT ON COLUMN mart.indicator_methods.to_year IS 'Last year of the period (null: still current).';
COMMENT ON COLUMN mart.indicator_methods.method IS 'The method or scale the values of the period were measured under.';
COMMENT ON COLUMN mart.indicator_methods.opened_by IS 'Kind of break that opened the period (method or scale); null for the first period.';
COMMENT ON COLUMN mart.indicator_methods.note IS 'The break''s note: where it comes from and what it changes.';

CREATE OR REPLACE VIEW mart.factor_effects AS
SELECT f.config, f.body_code, b.name_en AS body_name, f.factor, f.role, f.rule,
       f.rule = (r.parameters->>'$.effects.default_rule') AS is_default_rule,
       f.effect, f.n_indicators, f.negative_indicators, f.inputs, f.explanation, f.status, f.missing, f.run_id,
       coalesce(x.series_breaks, []) AS series_breaks
FROM core.analysis_factor_effects f JOIN meta.analysis_latest l USING (run_id, config)
JOIN meta.analysis_runs r USING (run_id) LEFT JOIN core.bodies b USING (body_code)
LEFT JOIN core.factor_effect_breaks x USING (run_id, config, body_code, factor, rule);

CREATE OR REPLACE VIEW mart.verdicts AS
SELECT v.config, v.body_code, b.name_en AS body_name, v.rule, v.is_default_rule, v.hypothesis, v.supported,
       v.statement, v.verdict, v.effects_verdict, v.negative_factors, v.positive_factors, v.insufficient_factors,
       v.cost_test, v.cost_years, v.cost_years_pilot_costlier, v.cost_side, v.reason, v.status, v.missing, v.run_id,
       coalesce((SELECT list_sort(list_distinct(flatten(list(x.series_breaks))))
                 FROM core.factor_effect_breaks x
                 WHERE x.run_id = v.run_id AND x.config = v.config AND x.body_code = v.body_code
                   AND x.rule = v.rule AND x.series_breaks IS NOT NULL), []) AS series_breaks
FROM core.analysis_verdicts v JOIN meta.analysis_latest l USING (run_id, config) LEFT JOIN core.bodies b USING (body_code);

COMMENT ON VIEW mart.factor_effects IS 'Thesis Table 20 per pilot body, factor and rule (endpoint, pilot_window, first_pilot_step, no_decline, vs_peer, gain_vs_peer): effect positive|negative (positive only if all the factor''s indicators are), with the input values it was computed from. Resources (payroll) is the cost side, see mart.cer.';
COMMENT ON VIEW mart.verdicts IS 'Thesis Table 21 per pilot body and rule: H0 and H1 with supported (null: insufficient_data, see missing). effects_verdict is the factor side alone; cost_test is formula (2).';
COMMENT ON COLUMN mart.factor_effects.config IS 'Analysis configuration.';
COMMENT ON COLUMN mart.factor_effects.body_code IS 'Pilot body (-> mart.bodies).';
COMMENT ON COLUMN mart.factor_effects.factor IS 'Factor of the conceptual model (thesis Table 7).';
COMMENT ON COLUMN mart.factor_effects.rule IS 'Effect rule: endpoint, pilot_window, first_pilot_step, no_decline, vs_peer, gain_vs_peer (docs/analysis.md).';
COMMENT ON COLUMN mart.factor_effects.is_default_rule IS 'True for the configuration''s default rule.';
COMMENT ON COLUMN mart.factor_effects.effect IS 'positive or negative (positive only if every indicator of the factor is); null when insufficient_data.';
COMMENT ON COLUMN mart.factor_effects.negative_indicators IS 'Indicators of the factor whose effect is negative.';
COMMENT ON COLUMN mart.factor_effects.inputs IS 'The values compared: indicator, body or peer group, year, value.';
COMMENT ON COLUMN mart.factor_effects.explanation IS 'The comparison in words, per indicator.';
COMMENT ON COLUMN mart.factor_effects.status IS 'ok or insufficient_data.';
COMMENT ON COLUMN mart.factor_effects.missing IS 'What is missing when insufficient_data.';
COMMENT ON COLUMN mart.verdicts.config IS 'Analysis configuration.';
COMMENT ON COLUMN mart.verdicts.body_code IS 'Pilot body (-> mart.bodies).';
COMMENT ON COLUMN mart.verdicts.rule IS 'Effect rule the verdict is based on.';
COMMENT ON COLUMN mart.verdicts.hypothesis IS 'H0 or H1 (thesis 1.3.3; statement).';
COMMENT ON COLUMN mart.verdicts.supported IS 'Whether the hypothesis is supported for the body under the rule; null when insufficient_data.';
COMMENT ON COLUMN mart.verdicts.effects_verdict IS 'H0 or H1 from the factor side alone.';
COMMENT ON COLUMN mart.verdicts.cost_test IS 'Formula (2) over the configured years: pilot_costlier or pilot_not_costlier.';
COMMENT ON COLUMN mart.verdicts.reason IS 'Why: the negative factors and/or the years where CER(pilot) > CER(standard).';
COMMENT ON COLUMN mart.factor_effects.body_name IS 'English name of the body (mart.bodies).';
COMMENT ON COLUMN mart.factor_effects.role IS 'effect, mediator (Citizen Centricity), cost (Resources) or context.';
COMMENT ON COLUMN mart.factor_effects.n_indicators IS 'Number of indicators of the factor that were compared.';
COMMENT ON COLUMN mart.factor_effects.run_id IS 'The analysis run that produced the row (-> mart.analysis_runs).';
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
COMMENT ON COLUMN mart.factor_effects.series_breaks IS 'Series breaks the compared years straddle (mart.series_breaks labels): the effect compares values measured under different methods or scales; empty when none.';
COMMENT ON COLUMN mart.verdicts.series_breaks IS 'Series breaks straddled by any factor effect the verdict rests on (mart.factor_effects.series_breaks); empty when none.';

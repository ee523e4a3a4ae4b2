-- Top-answer shares per factor for a body, beside all respondents' share.
SELECT d.instrument, d.wave, d.synthetic, d.factor, d.share, d.base_n, d.suppressed, a.share AS all_share
FROM mart.survey_distributions d
LEFT JOIN mart.survey_distributions a ON a.instrument = d.instrument AND a.wave = d.wave
     AND a.measure = d.measure AND a.factor = d.factor AND a.body_code IS NULL
WHERE d.body_code = ? AND d.measure = 'top_answer_share'
ORDER BY d.instrument, d.wave, d.factor

-- The verdict's probability under the default rule for one body (body_code, config).
SELECT verdict, p_h1, p_verdict, p_pilot_costlier, cost_years, draws
FROM mart.verdict_probability
WHERE body_code = ? AND config = ? AND is_default_rule

-- A body's factor effects under the default rule.
SELECT factor, role, rule, effect, n_indicators, negative_indicators, explanation, status, missing
    FROM mart.factor_effects WHERE body_code = ? AND config = ? AND is_default_rule

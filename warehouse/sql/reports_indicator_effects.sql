-- A body's per-indicator effects under one rule.
SELECT factor, indicator, margin, effect, from_year, to_year, explanation FROM mart.indicator_effects
WHERE body_code = ? AND config = ? AND rule = ? ORDER BY factor, indicator

-- The structural model of each model_test wave: regressions (a: factor -> CC, b: CC -> ICS, c: factor -> ICS) and effects, with bootstrap intervals.
SELECT wave, synthetic, op, lhs, rhs, kind, estimate, boot_lo, boot_hi, boot_bc_lo, boot_bc_hi, boot_level, boot_draws,
       boot_failed
FROM mart.survey_estimates
WHERE instrument = 'model_test' AND model = 'sem' AND (kind = 'regression' OR op = 'effect')
ORDER BY wave, op, lhs, rhs, kind

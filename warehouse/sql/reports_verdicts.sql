-- A body's H0/H1 verdicts under every rule.
SELECT rule, is_default_rule, hypothesis, supported, statement, verdict, effects_verdict,
           negative_factors, positive_factors, insufficient_factors, cost_test,
           cost_years_pilot_costlier, reason, status, missing
    FROM mart.verdicts WHERE body_code = ? AND config = ? ORDER BY rule, hypothesis

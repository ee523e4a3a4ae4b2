-- The current H0/H1 verdict per body and rule; columns found at run time fill the named slots.
SELECT x.body_code, any_value(b.name_en) AS body_name, x.rule, {negatives} AS negative_factors,
       CASE WHEN bool_or(x.hypothesis = 'H1' AND x.supported) THEN 'H1'
            WHEN bool_or(x.hypothesis = 'H0' AND x.supported) THEN 'H0'
            WHEN bool_or(x.hypothesis = 'H0' AND NOT x.supported) THEN 'H1'
            WHEN bool_or(x.hypothesis = 'H1' AND NOT x.supported) THEN 'H0' END AS verdict,
       max({year}) AS year
FROM mart.verdicts x LEFT JOIN core.bodies b USING (body_code) {where}
GROUP BY x.body_code, x.rule

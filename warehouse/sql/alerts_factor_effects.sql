-- The factor effects per body, factor and rule; columns found at run time fill the named slots.
SELECT x.body_code, b.name_en AS body_name, x.factor, x.rule, x.effect::VARCHAR AS effect,
       {year} AS year
FROM mart.factor_effects x LEFT JOIN core.bodies b USING (body_code) {where}

-- Grade bands per body-year; columns found at run time fill the named slots.
SELECT x.body_code, b.name_en AS body_name, {indicator} AS indicator, x.{year}::INTEGER AS year,
       x.{band}::VARCHAR AS band, {score} AS score
FROM mart.grades x LEFT JOIN core.bodies b USING (body_code) {where}

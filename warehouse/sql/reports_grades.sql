-- A body's grades per year.
SELECT year, indicator, value, grade FROM mart.grades
    WHERE body_code = ? AND config = ? ORDER BY year

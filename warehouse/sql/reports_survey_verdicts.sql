-- A survey wave's H1-H5 verdicts.
SELECT hypothesis, factor, statement, std_estimate, p, verdict
    FROM mart.survey_verdicts WHERE instrument = ? AND wave = ? ORDER BY hypothesis

-- The newest run of each survey instrument.
SELECT instrument, wave, synthetic, n_accepted, n_quarantined, created_at
    FROM mart.survey_runs QUALIFY row_number() OVER (PARTITION BY instrument
    ORDER BY created_at DESC) = 1 ORDER BY instrument

-- A body's cost-effectiveness ratios per year and mode.
SELECT year, mode, cost_musd, effectiveness_pct, cer, in_test, pilot_cer_higher, status, missing
    FROM mart.cer WHERE body_code = ? AND config = ? ORDER BY year, mode

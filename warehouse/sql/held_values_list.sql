-- Held values for `pilotwatch quarantine list`. $1 = include released ones too.
SELECT hold_id, status, body_code, year, indicator, value, unit, source_id, row_number, reason
FROM mart.held_values
WHERE $1 OR status = 'held'
ORDER BY hold_id;

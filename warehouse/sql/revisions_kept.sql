-- Facts a load kept unchanged, with their previous and current value.
SELECT body_code, year, indicator, previous_value, value FROM _fact_changes WHERE change = 'kept' ORDER BY body_code, year, indicator

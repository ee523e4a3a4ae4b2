-- Facts a load removed, with their previous value.
SELECT body_code, year, indicator, previous_value FROM _fact_changes WHERE change = 'removed' ORDER BY ALL

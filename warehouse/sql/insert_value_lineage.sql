-- How each value of a load was read (_lineage: the accepted facts with their lineage columns). $1 = load_id.
INSERT INTO core.value_lineage (load_id, row_number, column_name, body_code, year, indicator, value, unit,
                                value_text, unit_found, unit_source, from_unit, factor, rate, rate_series, rate_year)
SELECT $1, row_number, _column, body_code, year, indicator, value, unit,
       value_text, unit_found, unit_source, from_unit, factor, rate, rate_series, rate_year
FROM _lineage;

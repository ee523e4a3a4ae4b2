-- One core.value_history row per real change. $1 = load_id, $2 = mode, $3 = recorded_at.
INSERT INTO core.value_history
SELECT nextval('meta.value_history_id_seq'), body_code, year, indicator, basis, dataset, change,
       value, previous_value, $1, previous_load_id, $2,
       CASE change
           WHEN 'kept' THEN 'a correction (load ' || previous_load_id
                            || ') outranks a re-read of the delivery it corrected'
           WHEN 'removed' THEN 'the delivery replaces this body-year and no longer has this value'
       END,
       $3
FROM _fact_changes
WHERE change <> 'same'
ORDER BY body_code, year, indicator, basis;

-- What a load changed (_fact_changes, warehouse/sql/fact_changes.sql), by change, each with its previous
-- and current value: the counts, the removed and the kept values of pilotwatch.revisions.FactChanges.
SELECT change, body_code, year, indicator, previous_value, value FROM _fact_changes WHERE change <> 'same' ORDER BY ALL

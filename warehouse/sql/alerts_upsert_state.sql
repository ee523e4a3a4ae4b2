-- Upsert the rule state from the registered frame _alert_state.
INSERT INTO core.alert_state BY NAME
SELECT state_key, rule, observed, firing, fingerprint, last_alert_id, updated_at FROM _alert_state
ON CONFLICT (state_key) DO UPDATE SET
    observed = excluded.observed, firing = excluded.firing, fingerprint = excluded.fingerprint,
    last_alert_id = coalesce(excluded.last_alert_id, core.alert_state.last_alert_id),
    updated_at = excluded.updated_at

-- Snoozes and silences not lifted, oldest first (a snooze past its date stops holding by itself).
SELECT mute_id, kind, body_code, rule, until, note
FROM core.alert_mutes
WHERE lifted_at IS NULL
ORDER BY mute_id

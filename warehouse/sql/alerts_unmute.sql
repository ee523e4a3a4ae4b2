-- Lift a body's snoozes and silences (params: lifted_at, body_code, rule twice; a null rule lifts every rule's).
UPDATE core.alert_mutes SET lifted_at = ?
WHERE lifted_at IS NULL AND body_code = ? AND (? IS NULL OR rule IS NOT DISTINCT FROM ?)
RETURNING mute_id

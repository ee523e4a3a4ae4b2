-- What is held today (for `pilotwatch alerts`): active snoozes and silences.
SELECT mute_id, kind, body_code, coalesce(rule, 'every rule') AS rule, until, note
FROM mart.alert_mutes
WHERE active
ORDER BY mute_id

-- Queue one delivery (status pending, or suppressed with the reason in last_error; due_on for a
-- digest); an existing one (alert, channel) is left alone.
INSERT INTO meta.alert_deliveries (alert_id, channel, channel_type, teams, status, attempts, queued_at,
                                   last_error, due_on)
VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?) ON CONFLICT DO NOTHING

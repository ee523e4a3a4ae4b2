-- Queue one delivery; an existing one (alert, channel) is left alone.
INSERT INTO meta.alert_deliveries (alert_id, channel, channel_type, teams, status, attempts, queued_at)
VALUES (?, ?, ?, ?, 'pending', 0, ?) ON CONFLICT DO NOTHING

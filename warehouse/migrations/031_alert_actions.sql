-- 031: monitoring — acknowledgements, snoozes and silences, and digests.
-- meta.alert_deliveries gains status 'suppressed' (recorded, never sent: the alert was acknowledged or
-- its body and rule snoozed or silenced) and due_on (a digest channel sends on or after that date).
-- DuckDB cannot alter a CHECK constraint, so the table is rebuilt with its rows.
CREATE TABLE meta.alert_deliveries_031 (
    alert_id         BIGINT NOT NULL,
    channel          VARCHAR NOT NULL,
    channel_type     VARCHAR NOT NULL CHECK (channel_type IN ('webhook', 'email', 'file')),
    teams            VARCHAR NOT NULL,
    status           VARCHAR NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'suppressed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       VARCHAR,           -- redacted: never a secret; for 'suppressed', why
    queued_at        TIMESTAMP NOT NULL,
    last_attempt_at  TIMESTAMP,
    delivered_at     TIMESTAMP,
    due_on           DATE,              -- digest channels: not sent before this date; null: at once
    PRIMARY KEY (alert_id, channel)
);
INSERT INTO meta.alert_deliveries_031
SELECT alert_id, channel, channel_type, teams, status, attempts, last_error, queued_at, last_attempt_at,
       delivered_at, NULL
FROM meta.alert_deliveries;
DROP VIEW mart.alert_deliveries;
DROP TABLE meta.alert_deliveries;
ALTER TABLE meta.alert_deliveries_031 RENAME TO alert_deliveries;

-- One row per acknowledgement: a person has seen the alert and acts on it; it is not re-sent.
CREATE TABLE core.alert_acks (
    alert_id   BIGINT PRIMARY KEY,
    note       VARCHAR,
    acked_by   VARCHAR NOT NULL,
    acked_at   TIMESTAMP NOT NULL
);

-- Snoozes (until a date) and silences (until lifted) of a rule, or of every rule, for a body.
CREATE SEQUENCE core.alert_mute_id_seq START 1;
CREATE TABLE core.alert_mutes (
    mute_id     BIGINT PRIMARY KEY,
    kind        VARCHAR NOT NULL CHECK (kind IN ('snooze', 'silence')),
    body_code   VARCHAR NOT NULL,
    rule        VARCHAR,            -- null: every rule
    until       DATE,               -- snooze: the first day alerts are sent again; silence: null
    note        VARCHAR,
    created_by  VARCHAR NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    lifted_at   TIMESTAMP           -- unsilence/unsnooze
);

CREATE OR REPLACE VIEW mart.alert_deliveries AS
SELECT d.alert_id, a.rule, a.body_code, a.year, a.severity, d.channel, d.channel_type, d.teams, d.status,
       d.attempts, d.last_error, d.queued_at, d.last_attempt_at, d.delivered_at, d.due_on
FROM meta.alert_deliveries d JOIN core.alerts a USING (alert_id);
COMMENT ON VIEW mart.alert_deliveries IS 'One row per alert and channel: status pending|delivered|failed|suppressed, attempts so far, the last (redacted) error. Anything pending or failed is re-sent by the next monitor run (digest channels once due_on has come).';
COMMENT ON COLUMN mart.alert_deliveries.alert_id IS 'The alert (mart.alerts).';
COMMENT ON COLUMN mart.alert_deliveries.rule IS 'The alert''s rule.';
COMMENT ON COLUMN mart.alert_deliveries.body_code IS 'The alert''s body (null for a dataset-level alert).';
COMMENT ON COLUMN mart.alert_deliveries.year IS 'The alert''s year.';
COMMENT ON COLUMN mart.alert_deliveries.severity IS 'The alert''s severity.';
COMMENT ON COLUMN mart.alert_deliveries.channel IS 'The channel name in the monitoring config (data/monitoring.yaml).';
COMMENT ON COLUMN mart.alert_deliveries.channel_type IS 'webhook | email | file.';
COMMENT ON COLUMN mart.alert_deliveries.teams IS 'The subscribed teams this delivery serves (comma-separated).';
COMMENT ON COLUMN mart.alert_deliveries.status IS 'pending (queued, deferred or waiting for its digest) | delivered | failed (retried by the next run) | suppressed (acknowledged, snoozed or silenced: recorded, not sent; last_error says why).';
COMMENT ON COLUMN mart.alert_deliveries.attempts IS 'Attempts so far, over all runs (each one in mart.alert_delivery_attempts).';
COMMENT ON COLUMN mart.alert_deliveries.last_error IS 'The last error, why it was deferred, or why it was suppressed; secrets redacted as ***.';
COMMENT ON COLUMN mart.alert_deliveries.queued_at IS 'When the delivery was queued (UTC).';
COMMENT ON COLUMN mart.alert_deliveries.last_attempt_at IS 'When it was last tried (UTC).';
COMMENT ON COLUMN mart.alert_deliveries.delivered_at IS 'When the channel accepted it (UTC); null until delivered.';
COMMENT ON COLUMN mart.alert_deliveries.due_on IS 'Digest channels (digest: daily | weekly): the first monitor date on which the digest holding this alert is sent; null for immediate channels.';

CREATE OR REPLACE VIEW mart.alert_acks AS
SELECT alert_id, note, acked_by, acked_at FROM core.alert_acks;
COMMENT ON VIEW mart.alert_acks IS 'Acknowledged alerts (pilotwatch alerts ack): someone is on it; an acknowledged alert is not re-sent.';
COMMENT ON COLUMN mart.alert_acks.alert_id IS 'The alert (mart.alerts).';
COMMENT ON COLUMN mart.alert_acks.note IS 'What the person wrote (--note).';
COMMENT ON COLUMN mart.alert_acks.acked_by IS 'Who acknowledged it (the operating-system user running the command).';
COMMENT ON COLUMN mart.alert_acks.acked_at IS 'When (UTC).';

CREATE OR REPLACE VIEW mart.alert_mutes AS
SELECT mute_id, kind, body_code, rule, until, note, created_by, created_at, lifted_at,
       lifted_at IS NULL AND (until IS NULL OR until > current_date) AS active
FROM core.alert_mutes;
COMMENT ON VIEW mart.alert_mutes IS 'Snoozes and silences of a rule for a body (pilotwatch alerts snooze/silence/unsilence): alerts they cover are recorded in mart.alerts but not sent.';
COMMENT ON COLUMN mart.alert_mutes.mute_id IS 'Number of the snooze or silence.';
COMMENT ON COLUMN mart.alert_mutes.kind IS 'snooze (until a date) | silence (until unsilenced).';
COMMENT ON COLUMN mart.alert_mutes.body_code IS 'The body whose alerts are held (mart.bodies).';
COMMENT ON COLUMN mart.alert_mutes.rule IS 'The rule held (indicator_turned_negative, ...); null: every rule for the body.';
COMMENT ON COLUMN mart.alert_mutes.until IS 'Snooze: the first day alerts are sent again; null for a silence.';
COMMENT ON COLUMN mart.alert_mutes.note IS 'Why (--note).';
COMMENT ON COLUMN mart.alert_mutes.created_by IS 'Who (the operating-system user running the command).';
COMMENT ON COLUMN mart.alert_mutes.created_at IS 'When it was set (UTC).';
COMMENT ON COLUMN mart.alert_mutes.lifted_at IS 'When it was lifted (pilotwatch alerts unsilence); null while in force or until it expires.';
COMMENT ON COLUMN mart.alert_mutes.active IS 'In force today: not lifted and, for a snooze, before its until date.';

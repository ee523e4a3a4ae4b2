-- 030: monitoring — alerts, what the rules last saw, deliveries and every delivery attempt.
CREATE SEQUENCE core.alert_id_seq START 1;

-- One row per alert fired. An alert fires once per dedup_key = (rule, body, indicator or factor or
-- dataset, year); the same key fires again only when its condition crosses the rule again
-- (cleared, then firing) or its values change while still crossing (see transforms/alert_rules.py).
CREATE TABLE core.alerts (
    alert_id        BIGINT PRIMARY KEY,
    dedup_key       VARCHAR NOT NULL,
    rule            VARCHAR NOT NULL CHECK (rule IN ('indicator_turned_negative', 'factor_flipped',
                        'verdict_changed', 'behind_target', 'stale_data')),
    body_code       VARCHAR,
    factor          VARCHAR,
    indicator       VARCHAR,
    subject         VARCHAR NOT NULL,   -- indicator, factor, dataset, 'verdict' or 'grade_band'
    year            INTEGER,
    previous_value  DOUBLE,             -- behind_target: the target
    value           DOUBLE,
    previous_label  VARCHAR,            -- categorical states: positive/negative, H0/H1, grade bands
    value_label     VARCHAR,
    severity        VARCHAR NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    message         VARCHAR NOT NULL,
    details         JSON,               -- where to look (view, query, dashboard), provenance, floors
    run_id          VARCHAR NOT NULL,   -- meta.monitor_runs
    created_at      TIMESTAMP NOT NULL
);

-- What each rule saw for each thing it watches at the last evaluation (the dedup memory).
CREATE TABLE core.alert_state (
    state_key      VARCHAR PRIMARY KEY,
    rule           VARCHAR NOT NULL,
    observed       VARCHAR,              -- the state label seen (ok/negative/positive/H0/H1/...)
    firing         BOOLEAN NOT NULL,     -- the rule's condition held
    fingerprint    VARCHAR,              -- the values of the last alert for this key
    last_alert_id  BIGINT,
    updated_at     TIMESTAMP NOT NULL
);

-- One delivery per (alert, channel); teams that share a channel share the delivery.
CREATE TABLE meta.alert_deliveries (
    alert_id         BIGINT NOT NULL,
    channel          VARCHAR NOT NULL,
    channel_type     VARCHAR NOT NULL CHECK (channel_type IN ('webhook', 'email', 'file')),
    teams            VARCHAR NOT NULL,
    status           VARCHAR NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       VARCHAR,           -- redacted: never a secret
    queued_at        TIMESTAMP NOT NULL,
    last_attempt_at  TIMESTAMP,
    delivered_at     TIMESTAMP,
    PRIMARY KEY (alert_id, channel)
);

-- Every attempt to deliver, successful or not.
CREATE TABLE meta.alert_delivery_attempts (
    alert_id     BIGINT NOT NULL,
    channel      VARCHAR NOT NULL,
    attempt      INTEGER NOT NULL,      -- 1, 2, ... across runs
    run_id       VARCHAR NOT NULL,
    started_at   TIMESTAMP NOT NULL,
    finished_at  TIMESTAMP NOT NULL,
    ok           BOOLEAN NOT NULL,
    detail       VARCHAR                -- "HTTP 200", "sent to 2 recipient(s)" or the (redacted) error
);

-- One row per monitor run. A run records its alerts first (with the refresh's publish when it runs
-- inside the refresh) and delivers afterwards; a delivery-only run (flows.monitor.deliver, after the
-- refresh has published) has no observations.
CREATE TABLE meta.monitor_runs (
    run_id        VARCHAR PRIMARY KEY,
    started_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP,
    as_of         DATE NOT NULL,
    config        VARCHAR NOT NULL,
    observations  INTEGER,              -- things the rules looked at
    new_alerts    INTEGER,
    queued        INTEGER,              -- deliveries queued for the new alerts
    delivered     INTEGER,
    failed        INTEGER,
    undelivered   INTEGER,              -- deliveries not delivered after this run (all runs)
    notes         VARCHAR
);

CREATE OR REPLACE VIEW mart.alerts AS
SELECT alert_id, rule, body_code, factor, indicator, year, previous_value, value, severity, message, created_at
FROM core.alerts;
COMMENT ON VIEW mart.alerts IS 'Every monitoring alert fired (rule, body, factor or indicator, year, from what to what, message with where to look). Deliveries: mart.alert_deliveries; rules: docs/monitoring.md.';

CREATE OR REPLACE VIEW mart.alert_deliveries AS
SELECT d.alert_id, a.rule, a.body_code, a.year, a.severity, d.channel, d.channel_type, d.teams, d.status,
       d.attempts, d.last_error, d.queued_at, d.last_attempt_at, d.delivered_at
FROM meta.alert_deliveries d JOIN core.alerts a USING (alert_id);
COMMENT ON VIEW mart.alert_deliveries IS 'One row per alert and channel: status pending|delivered|failed, attempts so far, the last (redacted) error. Anything not delivered is re-sent by the next monitor run.';

CREATE OR REPLACE VIEW mart.alert_delivery_attempts AS
SELECT alert_id, channel, attempt, run_id, started_at, finished_at, ok, detail
FROM meta.alert_delivery_attempts;
COMMENT ON VIEW mart.alert_delivery_attempts IS 'Every attempt to deliver an alert to a channel, with the HTTP/SMTP outcome or the (redacted) error.';

CREATE OR REPLACE VIEW mart.monitor_runs AS
SELECT run_id, started_at, finished_at, as_of, config, observations, new_alerts, queued, delivered, failed,
       undelivered, notes
FROM meta.monitor_runs;
COMMENT ON VIEW mart.monitor_runs IS 'One row per monitoring run: alerts fired, deliveries made and failed, what is still undelivered.';

COMMENT ON COLUMN mart.alerts.alert_id IS 'Alert number (core.alert_id_seq); the id in webhook payloads, email headers (X-Pilotwatch-Alert-Id) and mart.alert_deliveries.';
COMMENT ON COLUMN mart.alerts.rule IS 'indicator_turned_negative | factor_flipped | verdict_changed | behind_target | stale_data (docs/monitoring.md).';
COMMENT ON COLUMN mart.alerts.body_code IS 'The body the alert is about (mart.bodies); null for a dataset-level stale_data alert.';
COMMENT ON COLUMN mart.alerts.factor IS 'The factor of the conceptual model (thesis Table 7) the alert is about, when there is one.';
COMMENT ON COLUMN mart.alerts.indicator IS 'The indicator code the alert is about (indicator rules, targets, grade bands); null for factor, verdict and stale-data alerts.';
COMMENT ON COLUMN mart.alerts.year IS 'The year the alert speaks for: the newest year compared, the target year, the analysis'' last data year, or the overdue dataset year.';
COMMENT ON COLUMN mart.alerts.previous_value IS 'From what: the previous year''s value (indicator_turned_negative), the target (behind_target) or the previous grade score; in the indicator''s unit.';
COMMENT ON COLUMN mart.alerts.value IS 'To what: the new value (the actual for behind_target, the new grade score); in the indicator''s unit. Null for categorical changes (see message).';
COMMENT ON COLUMN mart.alerts.severity IS 'info | warning | critical, from the rule''s configuration (critical above its escalation thresholds).';
COMMENT ON COLUMN mart.alerts.message IS 'What changed, from what to what, and where to look (mart view and filter, load and source).';
COMMENT ON COLUMN mart.alerts.created_at IS 'When the alert fired (UTC).';

COMMENT ON COLUMN mart.alert_deliveries.alert_id IS 'The alert (mart.alerts).';
COMMENT ON COLUMN mart.alert_deliveries.rule IS 'The alert''s rule.';
COMMENT ON COLUMN mart.alert_deliveries.body_code IS 'The alert''s body (null for a dataset-level alert).';
COMMENT ON COLUMN mart.alert_deliveries.year IS 'The alert''s year.';
COMMENT ON COLUMN mart.alert_deliveries.severity IS 'The alert''s severity.';
COMMENT ON COLUMN mart.alert_deliveries.channel IS 'The channel name in the monitoring config (data/monitoring.yaml).';
COMMENT ON COLUMN mart.alert_deliveries.channel_type IS 'webhook | email | file.';
COMMENT ON COLUMN mart.alert_deliveries.teams IS 'The subscribed teams this delivery serves (comma-separated).';
COMMENT ON COLUMN mart.alert_deliveries.status IS 'pending (queued or deferred) | delivered | failed (retried by the next run).';
COMMENT ON COLUMN mart.alert_deliveries.attempts IS 'Attempts so far, over all runs (each one in mart.alert_delivery_attempts).';
COMMENT ON COLUMN mart.alert_deliveries.last_error IS 'The last error or why it was deferred; secrets redacted as ***.';
COMMENT ON COLUMN mart.alert_deliveries.queued_at IS 'When the delivery was queued (UTC).';
COMMENT ON COLUMN mart.alert_deliveries.last_attempt_at IS 'When it was last tried (UTC).';
COMMENT ON COLUMN mart.alert_deliveries.delivered_at IS 'When the channel accepted it (UTC); null until delivered.';

COMMENT ON COLUMN mart.alert_delivery_attempts.alert_id IS 'The alert (mart.alerts).';
COMMENT ON COLUMN mart.alert_delivery_attempts.channel IS 'The channel name in the monitoring config.';
COMMENT ON COLUMN mart.alert_delivery_attempts.attempt IS 'Attempt number for this alert and channel, counted over all runs.';
COMMENT ON COLUMN mart.alert_delivery_attempts.run_id IS 'The monitor run that made the attempt (mart.monitor_runs).';
COMMENT ON COLUMN mart.alert_delivery_attempts.started_at IS 'Start of the attempt (UTC).';
COMMENT ON COLUMN mart.alert_delivery_attempts.finished_at IS 'End of the attempt (UTC).';
COMMENT ON COLUMN mart.alert_delivery_attempts.ok IS 'Whether the channel accepted the alert.';
COMMENT ON COLUMN mart.alert_delivery_attempts.detail IS 'The outcome: HTTP status, SMTP result, or the error (secrets redacted as ***).';

COMMENT ON COLUMN mart.monitor_runs.run_id IS 'Monitor run id.';
COMMENT ON COLUMN mart.monitor_runs.started_at IS 'Start of the run (UTC).';
COMMENT ON COLUMN mart.monitor_runs.finished_at IS 'End of the run''s last phase (UTC).';
COMMENT ON COLUMN mart.monitor_runs.as_of IS 'The date stale-data deadlines were judged on.';
COMMENT ON COLUMN mart.monitor_runs.config IS 'The monitoring config file used.';
COMMENT ON COLUMN mart.monitor_runs.observations IS 'Things the rules looked at; null for a delivery-only run (the refresh delivers after publishing).';
COMMENT ON COLUMN mart.monitor_runs.new_alerts IS 'Alerts fired by this run.';
COMMENT ON COLUMN mart.monitor_runs.queued IS 'Deliveries queued for those alerts.';
COMMENT ON COLUMN mart.monitor_runs.delivered IS 'Deliveries made by this run (including earlier runs'' leftovers).';
COMMENT ON COLUMN mart.monitor_runs.failed IS 'Deliveries that failed in this run after their retries.';
COMMENT ON COLUMN mart.monitor_runs.undelivered IS 'Deliveries still not delivered after this run, all runs together.';
COMMENT ON COLUMN mart.monitor_runs.notes IS 'What the run skipped or could not do (optional channels not configured, analysis views missing, ...).';

-- The migrations ledger: which numbered migration was applied when.
CREATE TABLE IF NOT EXISTS meta.schema_migrations (
    version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL
)

-- Remember what a URI looked like when last fetched (for conditional GET). $1 uri, $2 etag, $3 last_modified, $4 sha256, $5 fetched_at.
INSERT OR REPLACE INTO meta.source_state VALUES ($1, $2, $3, $4, $5);

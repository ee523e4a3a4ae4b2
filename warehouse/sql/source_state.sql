-- What a URI looked like when last fetched (for a conditional GET). $1 uri.
SELECT etag, last_modified, sha256 FROM meta.source_state WHERE source_uri = $1;

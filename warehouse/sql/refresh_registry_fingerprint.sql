-- An order-independent digest of every registry table (row count and sum of row hashes each): equal
-- before and after a refresh seeds the registry when the reference files changed nothing.
SELECT (SELECT count(*) FROM core.bodies), (SELECT sum(hash(t)::HUGEINT) FROM core.bodies t),
       (SELECT count(*) FROM core.body_aliases), (SELECT sum(hash(t)::HUGEINT) FROM core.body_aliases t),
       (SELECT count(*) FROM core.indicators), (SELECT sum(hash(t)::HUGEINT) FROM core.indicators t),
       (SELECT count(*) FROM core.indicator_labels), (SELECT sum(hash(t)::HUGEINT) FROM core.indicator_labels t),
       (SELECT count(*) FROM core.series_breaks), (SELECT sum(hash(t)::HUGEINT) FROM core.series_breaks t);

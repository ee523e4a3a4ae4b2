-- expect between (column, $lo, $hi, either may be NULL for no bound): the non-NULL values outside the
-- closed interval.
with source as (
    select {column} as v from {relation}
), checked as (
    select v from source
    where v is not null and (coalesce(v < $lo, false) or coalesce(v > $hi, false))
)
select count(*) as unexpected, coalesce(list(v::varchar order by v), []) as sample
from checked

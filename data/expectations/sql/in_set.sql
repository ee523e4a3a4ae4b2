-- expect in_set (column, values): the non-NULL values outside $values.
with source as (
    select {column} as v from {relation}
), checked as (
    select v::varchar as v from source where v is not null and not list_contains($values, v)
)
select count(*) as unexpected, coalesce(list(v order by v), []) as sample
from checked

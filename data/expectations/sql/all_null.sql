-- expect all_null (column): the rows where the column is not NULL (a check query names each problem there).
with source as (
    select {column} as v from {relation}
), checked as (
    select v::varchar as v from source where v is not null
)
select count(*) as unexpected, coalesce(list(v order by v), []) as sample
from checked

-- expect not_null (column): the rows where the column is NULL.
with source as (
    select {column} as v from {relation}
)
select count(*) filter (where v is null) as unexpected, []::varchar[] as sample
from source

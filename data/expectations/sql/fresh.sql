-- expect fresh (column, $oldest): the column's smallest value is no older than $oldest (every row was
-- refreshed recently); NULL when there is no value, which fails.
with source as (
    select min({column}) as observed from {relation}
)
select case when observed >= $oldest then 0 else 1 end as unexpected, [observed::varchar] as sample
from source

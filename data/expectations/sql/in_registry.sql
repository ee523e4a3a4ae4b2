-- expect in_registry (column, registry): the non-NULL values absent from the registry's column.
with source as (
    select {column} as v from {relation}
), registry as (
    select distinct {registry_column} as v from {registry_table} where {registry_column} is not null
), checked as (
    select s.v::varchar as v from source s anti join registry r on s.v = r.v where s.v is not null
)
select count(*) as unexpected, coalesce(list(v order by v), []) as sample
from checked

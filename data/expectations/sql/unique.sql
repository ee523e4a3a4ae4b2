-- expect unique (columns): the rows whose key occurs more than once. Rows whose key is entirely NULL
-- are ignored, as great-expectations' expect_column_values_to_be_unique and
-- expect_compound_columns_to_be_unique (ignore_row_if = all_values_are_missing) ignore them.
with source as (
    select {key} from {relation}
), duplicated as (
    select {key}, count(*) as n from source where not ({all_null}) group by all having count(*) > 1
)
select coalesce(sum(n), 0) as unexpected, coalesce(list({key_text} order by {key_text}), []) as sample
from duplicated

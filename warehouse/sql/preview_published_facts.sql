-- Published values of one dataset ($1), with the source that set them: what a load's
-- body-year replacement would overwrite or remove (read by `--dry-run`, never written).
with facts as (
    select body_code, year, indicator, value, dataset, load_id
    from core.indicator_facts
    where basis = 'published'
    union all
    select body_code, year, indicator, value, dataset, load_id
    from core.targets
),
named as (
    select f.body_code, f.year, f.indicator, f.value, l.source_id
    from facts f
    left join meta.loads l using (load_id)
    where f.dataset = $1
)
select * from named

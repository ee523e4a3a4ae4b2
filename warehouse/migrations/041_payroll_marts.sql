-- 041: the analyst views of what is derived from the payroll records (definitions: transforms/payroll_aggregates.py).
-- Synthetic bodies show in mart.bodies by their names ("Synthetic central body 001"); the flag is core.bodies.synthetic
-- and the synthetic column below.
COMMENT ON VIEW mart.bodies IS 'The body and peer-group registry (data/reference/bodies.csv), plus synthetic bodies (codes syn_c..., syn_l...; core.bodies.synthetic) registered by loading synthetic payroll records.';

CREATE OR REPLACE VIEW mart.payroll_aggregates AS
SELECT
    a.body_code,
    b.name_en                                  AS body_name,
    b.level,
    b.pilot                                    AS pilot_body,
    b.synthetic,
    a.year,
    a.months_reported,
    a.records,
    a.employees,
    CAST(a.pay_tiyn / 100 AS DECIMAL(20, 2))   AS payroll_fund_kzt,
    CAST(a.base_tiyn / 100 AS DECIMAL(20, 2))  AS base_salary_kzt,
    CAST(a.bonus_tiyn / 100 AS DECIMAL(20, 2)) AS bonus_kzt,
    CAST(a.other_tiyn / 100 AS DECIMAL(20, 2)) AS other_pay_kzt,
    a.usd_kzt,
    a.payroll_fund_mkzt,
    a.payroll_fund_musd,
    a.bonus_share,
    a.headcount_month_sum,
    a.average_headcount,
    a.hires,
    a.leavers,
    a.net_turnover,
    a.load_id
FROM core.payroll_aggregates a
JOIN core.bodies b USING (body_code);
COMMENT ON VIEW mart.payroll_aggregates IS 'Per body and year, derived from the payroll records (pilotwatch ingest payroll_records): payroll fund, bonus share, average headcount, hires, leavers and net turnover. Definitions: transforms/payroll_aggregates.py; the same figures are indicator facts with basis derived.';
COMMENT ON COLUMN mart.payroll_aggregates.body_code IS 'Body (-> mart.bodies).';
COMMENT ON COLUMN mart.payroll_aggregates.body_name IS 'English name of the body.';
COMMENT ON COLUMN mart.payroll_aggregates.level IS 'central or local.';
COMMENT ON COLUMN mart.payroll_aggregates.pilot_body IS 'The body is in the pay-by-results pilot (registry).';
COMMENT ON COLUMN mart.payroll_aggregates.synthetic IS 'True for synthetic bodies (codes syn_c..., syn_l... from pilotwatch synth payroll).';
COMMENT ON COLUMN mart.payroll_aggregates.year IS 'Calendar year of the months paid for.';
COMMENT ON COLUMN mart.payroll_aggregates.months_reported IS 'Months of the year with records for the body (12 for a full year).';
COMMENT ON COLUMN mart.payroll_aggregates.records IS 'Employee-month records.';
COMMENT ON COLUMN mart.payroll_aggregates.employees IS 'Distinct employees with at least one record.';
COMMENT ON COLUMN mart.payroll_aggregates.payroll_fund_kzt IS 'Sum of base salary + bonus + other pay, KZT (USD records converted at the year''s average usd_kzt).';
COMMENT ON COLUMN mart.payroll_aggregates.base_salary_kzt IS 'Sum of base salaries, KZT.';
COMMENT ON COLUMN mart.payroll_aggregates.bonus_kzt IS 'Sum of bonuses, KZT.';
COMMENT ON COLUMN mart.payroll_aggregates.other_pay_kzt IS 'Sum of other pay (allowances), KZT.';
COMMENT ON COLUMN mart.payroll_aggregates.usd_kzt IS 'Average KZT per USD of the year (macro series usd_kzt); null when not loaded.';
COMMENT ON COLUMN mart.payroll_aggregates.payroll_fund_mkzt IS 'Payroll fund, mln KZT (indicator payroll_fund_mkzt).';
COMMENT ON COLUMN mart.payroll_aggregates.payroll_fund_musd IS 'Payroll fund / usd_kzt, mln USD (indicator payroll_fund_musd).';
COMMENT ON COLUMN mart.payroll_aggregates.bonus_share IS 'Bonuses / payroll fund x 100, % (indicator bonus_share).';
COMMENT ON COLUMN mart.payroll_aggregates.headcount_month_sum IS 'Sum over the months reported of the month-end headcount (employees with a record who had not left by the month''s end).';
COMMENT ON COLUMN mart.payroll_aggregates.average_headcount IS 'Mean of the month-end headcounts, persons (indicator average_headcount).';
COMMENT ON COLUMN mart.payroll_aggregates.hires IS 'Employees whose hire date falls in the year.';
COMMENT ON COLUMN mart.payroll_aggregates.leavers IS 'Employees whose leave date (or the month of status left) falls in the year.';
COMMENT ON COLUMN mart.payroll_aggregates.net_turnover IS 'Leavers / average headcount x 100, % (indicator net_turnover; every separation counts).';
COMMENT ON COLUMN mart.payroll_aggregates.load_id IS 'The records load of this body-year (-> mart.loads).';

CREATE OR REPLACE VIEW mart.payroll_category_pay AS
SELECT c.body_code, b.name_en AS body_name, b.level, b.synthetic, c.year, c.position_category, c.employees,
       c.median_monthly_pay_kzt, c.median_monthly_pay_usd, c.load_id
FROM core.payroll_category_pay c
JOIN core.bodies b USING (body_code);
COMMENT ON VIEW mart.payroll_category_pay IS 'Median monthly pay per body, year and position category, from the payroll records.';
COMMENT ON COLUMN mart.payroll_category_pay.body_code IS 'Body (-> mart.bodies).';
COMMENT ON COLUMN mart.payroll_category_pay.body_name IS 'English name of the body.';
COMMENT ON COLUMN mart.payroll_category_pay.level IS 'central or local.';
COMMENT ON COLUMN mart.payroll_category_pay.synthetic IS 'True for synthetic bodies.';
COMMENT ON COLUMN mart.payroll_category_pay.year IS 'Calendar year.';
COMMENT ON COLUMN mart.payroll_category_pay.position_category IS 'head_of_department, deputy_head, chief_specialist, leading_specialist or specialist.';
COMMENT ON COLUMN mart.payroll_category_pay.employees IS 'Employees of the category in the body-year.';
COMMENT ON COLUMN mart.payroll_category_pay.median_monthly_pay_kzt IS 'Median over employees of their pay in the year / their months, KZT (base + bonus + other).';
COMMENT ON COLUMN mart.payroll_category_pay.median_monthly_pay_usd IS 'The same in USD at the year''s average usd_kzt.';
COMMENT ON COLUMN mart.payroll_category_pay.load_id IS 'The records load (-> mart.loads).';

CREATE OR REPLACE VIEW mart.pay_gap AS
SELECT year, position_category, scope, central_employees, local_employees, central_median_kzt, local_median_kzt,
       central_median_kzt / usd_kzt AS central_median_usd, local_median_kzt / usd_kzt AS local_median_usd,
       gap_pct, load_id
FROM core.payroll_pay_gap;
COMMENT ON VIEW mart.pay_gap IS 'Pay gap between central and local bodies per year and position category, from the payroll records (thesis 2.2.1: the gap fell from 70 to 10 % in the pilot).';
COMMENT ON COLUMN mart.pay_gap.year IS 'Calendar year.';
COMMENT ON COLUMN mart.pay_gap.position_category IS 'Position category compared across levels.';
COMMENT ON COLUMN mart.pay_gap.scope IS 'all records, or only those in pilot / non_pilot mode (the record''s pilot flag).';
COMMENT ON COLUMN mart.pay_gap.central_employees IS 'Employees of central bodies pooled for the median.';
COMMENT ON COLUMN mart.pay_gap.local_employees IS 'Employees of local bodies pooled for the median.';
COMMENT ON COLUMN mart.pay_gap.central_median_kzt IS 'Median monthly pay in central bodies, KZT (pooled over bodies).';
COMMENT ON COLUMN mart.pay_gap.local_median_kzt IS 'Median monthly pay in local bodies, KZT (pooled over bodies).';
COMMENT ON COLUMN mart.pay_gap.central_median_usd IS 'central_median_kzt at the year''s average usd_kzt.';
COMMENT ON COLUMN mart.pay_gap.local_median_usd IS 'local_median_kzt at the year''s average usd_kzt.';
COMMENT ON COLUMN mart.pay_gap.gap_pct IS '(central median - local median) / local median x 100, %; null when a side has no employees.';
COMMENT ON COLUMN mart.pay_gap.load_id IS 'The newest records load behind the medians (-> mart.loads).';

CREATE OR REPLACE VIEW mart.published_vs_derived AS
SELECT
    p.body_code,
    b.name_en                 AS body_name,
    p.year,
    p.indicator,
    p.unit,
    p.value                   AS published_value,
    d.value                   AS derived_value,
    d.value - p.value         AS difference,
    CASE WHEN p.value <> 0 THEN (d.value - p.value) / abs(p.value) * 100 END AS difference_pct,
    p.dataset                 AS published_dataset,
    p.load_id                 AS published_load_id,
    d.dataset                 AS derived_dataset,
    d.load_id                 AS derived_load_id
FROM core.indicator_facts p
JOIN core.indicator_facts d
  ON d.body_code = p.body_code AND d.year = p.year AND d.indicator = p.indicator AND d.basis = 'derived'
JOIN core.bodies b ON b.body_code = p.body_code
WHERE p.basis = 'published';
COMMENT ON VIEW mart.published_vs_derived IS 'Every body-year-indicator with both a published value (a source) and a value derived from microdata (payroll records): both, and their difference.';
COMMENT ON COLUMN mart.published_vs_derived.body_code IS 'Body or peer group (-> mart.bodies).';
COMMENT ON COLUMN mart.published_vs_derived.body_name IS 'English name.';
COMMENT ON COLUMN mart.published_vs_derived.year IS 'Calendar year.';
COMMENT ON COLUMN mart.published_vs_derived.indicator IS 'Indicator code (-> mart.indicator_values).';
COMMENT ON COLUMN mart.published_vs_derived.unit IS 'Unit of both values.';
COMMENT ON COLUMN mart.published_vs_derived.published_value IS 'The value a source published (basis published).';
COMMENT ON COLUMN mart.published_vs_derived.derived_value IS 'The value derived from the payroll records (basis derived).';
COMMENT ON COLUMN mart.published_vs_derived.difference IS 'derived_value - published_value.';
COMMENT ON COLUMN mart.published_vs_derived.difference_pct IS 'difference in % of the published value (null when that is 0).';
COMMENT ON COLUMN mart.published_vs_derived.published_dataset IS 'Dataset of the published value.';
COMMENT ON COLUMN mart.published_vs_derived.published_load_id IS 'Load of the published value (-> mart.loads).';
COMMENT ON COLUMN mart.published_vs_derived.derived_dataset IS 'Dataset of the derived value (payroll_records).';
COMMENT ON COLUMN mart.published_vs_derived.derived_load_id IS 'Records load behind the derived value (-> mart.loads).';

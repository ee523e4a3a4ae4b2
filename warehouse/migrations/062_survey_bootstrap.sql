-- 062: bootstrap intervals of the indirect and total effects (issue 15 item 4; `pilotwatch survey model_test
-- --bootstrap N`). Nullable columns: NULL on every row of a run without --bootstrap, and on rows that are
-- not an indirect or total effect. mart.survey_estimates shows them from 064 on, which redefines that view
-- after adding the estimator column (a view redefined here would lose them again there), with their comments.

ALTER TABLE core.survey_estimates ADD COLUMN boot_lo DOUBLE;
ALTER TABLE core.survey_estimates ADD COLUMN boot_hi DOUBLE;
ALTER TABLE core.survey_estimates ADD COLUMN boot_bc_lo DOUBLE;
ALTER TABLE core.survey_estimates ADD COLUMN boot_bc_hi DOUBLE;
ALTER TABLE core.survey_estimates ADD COLUMN boot_level DOUBLE;
ALTER TABLE core.survey_estimates ADD COLUMN boot_draws BIGINT;
ALTER TABLE core.survey_estimates ADD COLUMN boot_failed BIGINT;
ALTER TABLE core.survey_estimates ADD COLUMN boot_seed BIGINT;

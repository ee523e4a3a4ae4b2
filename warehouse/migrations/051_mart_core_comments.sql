-- 051: the data dictionary for the core analyst views of 002 (pilotwatch dictionary reads these).
-- A view re-created later (CREATE OR REPLACE VIEW) loses its comments: repeat them in that migration.

COMMENT ON COLUMN mart.indicator_values.body_code IS 'Stable code of the body or peer group (-> mart.bodies; names in any language resolve to it at load time).';
COMMENT ON COLUMN mart.indicator_values.body_name IS 'English name of the body or peer group.';
COMMENT ON COLUMN mart.indicator_values.body_kind IS 'body (a state body) or peer_group (an average published for comparison: central, local, country).';
COMMENT ON COLUMN mart.indicator_values.year IS 'Calendar year the value describes.';
COMMENT ON COLUMN mart.indicator_values.factor IS 'Factor of the conceptual model the indicator measures (thesis Table 7): Leadership, Strategy, Organization, Human Capital, Citizen Centricity (mediator), Resources (cost).';
COMMENT ON COLUMN mart.indicator_values.indicator IS 'Indicator code (data/reference/indicators.csv), e.g. overall_effectiveness, net_turnover, payroll_fund_musd.';
COMMENT ON COLUMN mart.indicator_values.value IS 'The value, in unit.';
COMMENT ON COLUMN mart.indicator_values.unit IS 'Unit of value: % for the Evaluation Center and ACSA indicators, mln USD or mln KZT for the payroll fund.';
COMMENT ON COLUMN mart.indicator_values.direction IS 'higher_is_better or lower_is_better: which way is an improvement (a decrease of a higher_is_better indicator is a negative effect).';
COMMENT ON COLUMN mart.indicator_values.basis IS 'published (taken from a source) or derived (computed by pilotwatch from microdata, e.g. payroll records).';
COMMENT ON COLUMN mart.indicator_values.dataset IS 'Dataset it was loaded as: evaluation_center, public_services_monitoring, payroll, targets, macro.';
COMMENT ON COLUMN mart.indicator_values.load_id IS 'The load that brought the value in (-> mart.loads: source, sha256, when).';

COMMENT ON VIEW mart.loads IS 'One row per load attempt of a source into a dataset: where from, which years, what was read, accepted and rejected, and the outcome. Source: every refresh and ingest.';
COMMENT ON COLUMN mart.loads.load_id IS 'Identifier of the load (facts, quarantine and raw rows point to it).';
COMMENT ON COLUMN mart.loads.run_id IS 'The refresh (or ingest) run the load belonged to; loads of one refresh share it.';
COMMENT ON COLUMN mart.loads.dataset IS 'Dataset loaded: evaluation_center, public_services_monitoring, payroll, targets, macro.';
COMMENT ON COLUMN mart.loads.source_id IS 'Catalogue entry (data/catalogue.yaml id) or adhoc for pilotwatch ingest.';
COMMENT ON COLUMN mart.loads.source_kind IS 'bundled (data/bundled), file or http.';
COMMENT ON COLUMN mart.loads.source_uri IS 'The URL or absolute file path read (API keys redacted).';
COMMENT ON COLUMN mart.loads.years IS 'Years loaded, comma-separated (e.g. 2017,2018,2019,2020).';
COMMENT ON COLUMN mart.loads.sha256 IS 'SHA-256 of the bytes read: an unchanged source is not loaded again.';
COMMENT ON COLUMN mart.loads.rows_read IS 'Values read from the source (after reshaping to one value per body, year and indicator).';
COMMENT ON COLUMN mart.loads.rows_accepted IS 'Values that passed validation and are in the warehouse.';
COMMENT ON COLUMN mart.loads.rows_rejected IS 'Values refused at the door (-> mart.quarantine with the reason).';
COMMENT ON COLUMN mart.loads.started_at IS 'When the load started (UTC).';
COMMENT ON COLUMN mart.loads.finished_at IS 'When it finished (UTC); null while running.';
COMMENT ON COLUMN mart.loads.status IS 'running, loaded, unchanged (same sha256 as the last good load: nothing to do) or failed.';
COMMENT ON COLUMN mart.loads.message IS 'Why a load failed (or a note about it); null when all went well.';

COMMENT ON VIEW mart.quarantine IS 'Rows refused at the door by validation (pandera) or reading, with the reason, the source row number and the raw row as read. Nothing here is in the facts.';
COMMENT ON COLUMN mart.quarantine.load_id IS 'The load that refused the row (-> mart.loads).';
COMMENT ON COLUMN mart.quarantine.dataset IS 'Dataset the row was meant for.';
COMMENT ON COLUMN mart.quarantine.source_id IS 'Catalogue entry of the source.';
COMMENT ON COLUMN mart.quarantine.source_uri IS 'URL or file the row came from.';
COMMENT ON COLUMN mart.quarantine.row_number IS 'Row number in the source file (1 = first data row), to find it in the original.';
COMMENT ON COLUMN mart.quarantine.column_name IS 'Source column (header) holding the refused value.';
COMMENT ON COLUMN mart.quarantine.reason IS 'Why it was refused, in words (e.g. value 140 is above the maximum 100).';
COMMENT ON COLUMN mart.quarantine.raw_row IS 'The row as read (JSON of strings).';
COMMENT ON COLUMN mart.quarantine.created_at IS 'When it was quarantined (UTC).';

COMMENT ON COLUMN mart.bodies.body_code IS 'Stable code of the body or peer group (used everywhere else).';
COMMENT ON COLUMN mart.bodies.body_name IS 'English name.';
COMMENT ON COLUMN mart.bodies.name_ru IS 'Russian name.';
COMMENT ON COLUMN mart.bodies.name_kk IS 'Kazakh name.';
COMMENT ON COLUMN mart.bodies.kind IS 'body (a state body) or peer_group (a published average used for comparison).';
COMMENT ON COLUMN mart.bodies.level IS 'central, local or national (peer group of all assessed bodies).';
COMMENT ON COLUMN mart.bodies.peer_group IS 'The peer group a body is compared with (-> body_code of a peer_group row).';
COMMENT ON COLUMN mart.bodies.pilot IS 'True for the bodies in the pay-by-results pilot.';
COMMENT ON COLUMN mart.bodies.pilot_start_year IS 'First year under the pilot pay system (2018 for the first pilot bodies); null when the thesis gives none.';

COMMENT ON VIEW mart.macro IS 'Macro series per year (consumer price inflation, % December to December) used to index standard-mode costs. Source: data/catalogue.yaml macro sources.';
COMMENT ON COLUMN mart.macro.series IS 'Series code, e.g. cpi_inflation_pct.';
COMMENT ON COLUMN mart.macro.year IS 'Calendar year.';
COMMENT ON COLUMN mart.macro.value IS 'The value, in unit.';
COMMENT ON COLUMN mart.macro.unit IS 'Unit of value (% for inflation).';
COMMENT ON COLUMN mart.macro.load_id IS 'The load that brought the value in (-> mart.loads).';

COMMENT ON VIEW mart.targets IS 'Forecast and target values per body, year and indicator (thesis Tables 23-24), for comparing outcomes with what was planned.';
COMMENT ON COLUMN mart.targets.body_code IS 'Body the target is set for (-> mart.bodies).';
COMMENT ON COLUMN mart.targets.body_name IS 'English name of the body.';
COMMENT ON COLUMN mart.targets.year IS 'Year the target is for.';
COMMENT ON COLUMN mart.targets.factor IS 'Factor of the conceptual model the indicator measures.';
COMMENT ON COLUMN mart.targets.indicator IS 'Indicator code (as in mart.indicator_values).';
COMMENT ON COLUMN mart.targets.value IS 'Target value, in unit.';
COMMENT ON COLUMN mart.targets.unit IS 'Unit of value.';
COMMENT ON COLUMN mart.targets.direction IS 'higher_is_better or lower_is_better.';
COMMENT ON COLUMN mart.targets.load_id IS 'The load that brought the value in (-> mart.loads).';

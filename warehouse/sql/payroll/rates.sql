-- _pr_rates: the exchange-rate series by year (KZT per USD). $1 series.
CREATE OR REPLACE TEMP TABLE _pr_rates AS
SELECT year, value AS usd_kzt FROM core.macro_series WHERE series = $1;

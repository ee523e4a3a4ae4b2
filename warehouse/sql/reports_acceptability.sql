-- The acceptability curve of one body (body_code, config): probability per tested year and willingness to pay.
SELECT year, wtp, probability, evpi_musd
FROM mart.ce_acceptability
WHERE body_code = ? AND config = ?
ORDER BY year, wtp

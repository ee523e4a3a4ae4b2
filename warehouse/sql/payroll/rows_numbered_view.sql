-- _pr_rows_numbered: _pr_rows with _row, the line (CSV) or record (Parquet) each row came from.
CREATE OR REPLACE TEMP VIEW _pr_rows_numbered AS
SELECT {{row}} AS _row, r.*
FROM _pr_rows r {{join}};

-- A load's accepted rows into its dataset's staging table (_load_values: the rows; $1 = the load's new
-- load_id, so there is nothing to replace). Slots: the table and the dataset's columns.
INSERT INTO {table} (load_id, {columns})
SELECT $1, {columns} FROM _load_values;

-- Columns of a table or view (schema, name), in order.
SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position

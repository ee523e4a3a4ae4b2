-- The first refused rows of a load, for its message. $1 load_id, $2 how many.
SELECT row_number, column_name, reason
FROM core.quarantine
WHERE load_id = $1 AND row_number IS NOT NULL
ORDER BY row_number
LIMIT $2;

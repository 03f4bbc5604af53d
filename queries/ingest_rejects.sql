-- The records of a file that break a rule or could not be read, in line order, at most $limit: a preview's
-- rejected rows, and the first of them for a file none of whose rows can be loaded.
SELECT line, column_name, value, reason
FROM (
    SELECT line, reject_column AS column_name, reject_value AS value, reject_reason AS reason
    FROM staged WHERE reject_reason IS NOT NULL
    UNION ALL
    SELECT line, NULL, NULL, reason FROM malformed_records
)
ORDER BY line
LIMIT $limit;

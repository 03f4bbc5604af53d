-- Keep every rejected record of an upload ($upload_id) with its line, column, value and reason (never a raw
-- line: it may hold identifiers), the records that could not be read, and every row its profile set aside with
-- its line and reason.
INSERT INTO rejected_rows (upload_id, line, column_name, value, reason, set_aside)
SELECT $upload_id, line, reject_column, reject_value, reject_reason, false
FROM staged WHERE reject_reason IS NOT NULL
UNION ALL
SELECT $upload_id, line, NULL, NULL, reason, false FROM malformed_records
UNION ALL
SELECT $upload_id, line, NULL, NULL, reason, true FROM set_aside_rows;

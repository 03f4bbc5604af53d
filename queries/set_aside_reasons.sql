-- Per upload (every upload, or the one named), why rows were set aside, most frequent reason first:
-- upload_id, reason, rows, first_line.
SELECT upload_id, reason, count(*) AS rows, min(line) AS first_line
FROM rejected_rows
WHERE set_aside AND ($upload_id::INTEGER IS NULL OR upload_id = $upload_id)
GROUP BY ALL
ORDER BY upload_id, rows DESC, first_line NULLS LAST, reason;

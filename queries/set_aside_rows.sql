-- The rows of one upload its profile set aside (a test request, say): line and reason, in file order.
SELECT line, reason
FROM rejected_rows
WHERE upload_id = $upload_id AND set_aside
ORDER BY line NULLS LAST;

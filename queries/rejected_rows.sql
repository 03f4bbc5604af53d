-- The rejected rows of one upload, in file order.
SELECT line, column_name, value, reason
FROM rejected_rows
WHERE upload_id = $upload_id AND NOT set_aside
ORDER BY line NULLS LAST, column_name;

-- Why one upload's rows were rejected, most frequent reason first (then file order): reason, rejected (rows),
-- first_line.
SELECT reason, count(*) AS rejected, min(line) AS first_line
FROM rejected_rows
WHERE upload_id = $upload_id AND NOT set_aside
GROUP BY reason
ORDER BY rejected DESC, first_line NULLS LAST, reason;

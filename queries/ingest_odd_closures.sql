-- The kept requests whose closure looks odd, by kind of oddity (ingest.py words a warning for each), with their
-- lines in order: a closed status without closed_at (never overdue, not in the day figures), an open status
-- with a closed_at (kept as open), and a request closed before it was received.
SELECT oddity, list(line ORDER BY line) AS lines
FROM (
    SELECT 'closed_without_date' AS oddity, line FROM staged
    WHERE reject_reason IS NULL AND status <> 'open' AND closed_at IS NULL
    UNION ALL
    SELECT 'open_with_date', line FROM staged
    WHERE reject_reason IS NULL AND status = 'open' AND closed_at IS NOT NULL
    UNION ALL
    SELECT 'closed_before_received', line FROM staged
    WHERE reject_reason IS NULL AND closed_at < received_at
)
GROUP BY oddity;

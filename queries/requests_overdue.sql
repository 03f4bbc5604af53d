-- The requests overdue at the end of $end (metrics.md "Requests"): received on or before $end, still
-- open then (closed after $end whatever the final status, or open with no closed_at), and due before
-- $end. A closed status with no closed_at is never overdue. A combined request is listed once per
-- type. Not limited to the range: a request received before the range can still be overdue at $end.
-- The 1,000 longest overdue are listed, so a page stays small however many there are; every row
-- carries the whole count (overdue_total).
WITH overdue AS (
    SELECT request_id,
           request_type,
           jurisdiction,
           received_date AS received,
           due_date,
           $end::DATE - due_date AS days_overdue,
           channel
    FROM request_facts
    WHERE received_date <= $end::DATE
      AND (closed_at >= $end::DATE + 1 OR (closed_at IS NULL AND status = 'open'))
      AND due_date < $end::DATE
      AND selected(request_type, $request_types)
      AND selected(jurisdiction, $jurisdictions)
      AND selected(channel, $request_channels)
)
SELECT *, (SELECT count(*) FROM overdue) AS overdue_total
FROM overdue
ORDER BY days_overdue DESC, request_id, request_type
LIMIT 1000;

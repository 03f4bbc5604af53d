-- The requests overdue at the end of $end (metrics.md "Requests"; measures.sql open_at_end): received on or before
-- $end, still open then, and due before $end, wherever in time they were received. A combined request is listed
-- once per type. The 1,000 longest overdue are listed; every row carries the whole count (overdue_total).
SELECT request_id, request_type, jurisdiction, received, due_date, -days_left AS days_overdue, channel,
       total AS overdue_total
FROM open_list($end, 0, 'overdue', $request_types, $jurisdictions, $request_channels)
ORDER BY days_overdue DESC, request_id, request_type;

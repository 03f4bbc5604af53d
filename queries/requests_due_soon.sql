-- The requests due soon at the end of $end (metrics.md "Requests", deadline health; measures.sql open_at_end):
-- received on or before $end, still open then, and due from $end to $due_soon_days after it. A combined request
-- is listed once per type. The 1,000 due first are listed, the soonest first; every row carries the whole count
-- (due_soon_total).
SELECT request_id, request_type, jurisdiction, received, due_date, days_left, channel, total AS due_soon_total
FROM open_list($end, $due_soon_days, 'due_soon', $request_types, $jurisdictions, $request_channels)
ORDER BY days_left, request_id, request_type;

-- Deadline health at the end of $end (metrics.md "Requests", deadline health; measures.sql open_at_end): the
-- requests still open then, overdue, due within $due_soon_days days, or on track, in all (breakdown 'all') and
-- per request type and per jurisdiction (breakdown 'request_type' or 'jurisdiction', the key in `value`).
-- Not limited to the range's start: a request received before it can still be open at $end.
SELECT CASE WHEN grouping(request_type) = 0 THEN 'request_type'
            WHEN grouping(jurisdiction) = 0 THEN 'jurisdiction' ELSE 'all' END AS breakdown,
       coalesce(request_type, jurisdiction) AS value,
       unnest(health_counts(health))
FROM open_at_end($end, $due_soon_days, $request_types, $jurisdictions, $request_channels)
GROUP BY GROUPING SETS ((), (request_type), (jurisdiction))
ORDER BY breakdown, value;

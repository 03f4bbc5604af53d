-- The requests per jurisdiction (metrics.md "Requests", per jurisdiction): the outcome of those received in the
-- range, as requests_by_type counts it per type (measures.sql request_outcomes), beside the deadline health of
-- the jurisdiction's requests open at the end of $end (overdue, due soon), which is not limited to the range's
-- start. A jurisdiction with requests open at $end but none received in the range has a row with 0 received.
-- A combined request counts once per type.
WITH outcomes AS (
    SELECT jurisdiction, unnest(request_outcomes(status, days_to_close, closed_date, due_date))
    FROM requests_received($start, $end, $request_types, $jurisdictions, $request_channels)
    GROUP BY jurisdiction
),
health AS (
    SELECT jurisdiction, unnest(health_counts(health))
    FROM open_at_end($end, $due_soon_days, $request_types, $jurisdictions, $request_channels)
    GROUP BY jurisdiction
)
SELECT jurisdiction,
       coalesce(o.received, 0) AS received,
       coalesce(o.completed, 0) AS completed,
       coalesce(o.denied, 0) AS denied,
       coalesce(o.withdrawn, 0) AS withdrawn,
       coalesce(o.open, 0) AS open,
       coalesce(o.closed, 0) AS closed,
       o.median_days_to_close,
       o.mean_days_to_close,
       o.on_time_rate,
       coalesce(h.overdue, 0) AS overdue,
       coalesce(h.due_soon, 0) AS due_soon
FROM outcomes o
FULL JOIN health h USING (jurisdiction)
ORDER BY received DESC, jurisdiction;

-- The outcome of the requests received in the range, per request type (metrics.md "Requests";
-- measures.sql request_outcomes): counts by stored (latest known) status, even where that status was reached
-- after $end; day figures over completed and denied requests with a closed_at; on_time_rate = those closed on
-- or before their due date / all of them. A combined request counts once per type.
SELECT request_type, unnest(request_outcomes(status, days_to_close, closed_date, due_date))
FROM requests_received($start, $end, $request_types, $jurisdictions, $request_channels)
GROUP BY request_type
ORDER BY request_type;

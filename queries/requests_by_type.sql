-- The outcome of the requests received in the range, per request type (metrics.md "Requests"):
-- counts by stored (latest known) status, even where that status was reached after $end; day
-- figures over completed and denied requests with a closed_at; on_time_rate = those closed on or
-- before their due date / all of them. A combined request counts once per type.
WITH received_in_range AS (
    SELECT request_type, status, days_to_close, closed_date, due_date
    FROM requests_received($start, $end, $request_types, $jurisdictions, $request_channels)
)
SELECT request_type,
       count(*) AS received,
       count(*) FILTER (status = 'completed') AS completed,
       count(*) FILTER (status = 'denied') AS denied,
       count(*) FILTER (status = 'withdrawn') AS withdrawn,
       count(*) FILTER (status = 'open') AS open,
       -- The count the day figures and on_time_rate are taken over.
       count(days_to_close) AS closed,
       -- days_to_close is set exactly for completed and denied requests that have a closed_at.
       median_days(days_to_close) AS median_days_to_close,
       mean_days(days_to_close) AS mean_days_to_close,
       on_time_rate(days_to_close, closed_date, due_date) AS on_time_rate
FROM received_in_range
GROUP BY request_type
ORDER BY request_type;

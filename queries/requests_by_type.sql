-- The outcome of the requests received in the range, per request type (metrics.md "Requests"):
-- counts by stored (latest known) status, even where that status was reached after $end; day
-- figures over completed and denied requests with a closed_at; on_time_rate = those closed on or
-- before their due date / all of them. A combined request counts once per type.
WITH received_in_range AS (
    SELECT request_type, status, days_to_close, closed_date, due_date
    FROM request_facts
    WHERE received_date BETWEEN $start::DATE AND $end::DATE
      AND selected(request_type, $request_types)
      AND selected(jurisdiction, $jurisdictions)
      AND selected(channel, $request_channels)
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
       round(median(days_to_close), 2) AS median_days_to_close,
       round(avg(days_to_close), 2) AS mean_days_to_close,
       round(count(*) FILTER (days_to_close IS NOT NULL AND closed_date <= due_date)
             / nullif(count(days_to_close), 0), 4) AS on_time_rate
FROM received_in_range
GROUP BY request_type
ORDER BY request_type;

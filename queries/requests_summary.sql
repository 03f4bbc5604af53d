-- All request types together over the range (metrics.md "Requests", the per-type definitions taken over
-- every type; a combined request counts once per type): requests received in the range, the closed ones
-- (completed or denied, with a closed_at), their median and mean days to close, and the on-time rate.
WITH received_in_range AS (
    SELECT *
    FROM request_facts
    WHERE received_date BETWEEN $start::DATE AND $end::DATE
      AND selected(request_type, $request_types)
      AND selected(jurisdiction, $jurisdictions)
      AND selected(channel, $request_channels)
)
SELECT count(*) AS received,
       count(days_to_close) AS closed,
       round(median(days_to_close), 2) AS median_days_to_close,
       round(avg(days_to_close), 2) AS mean_days_to_close,
       round(count(*) FILTER (days_to_close IS NOT NULL AND closed_date <= due_date)
             / nullif(count(days_to_close), 0), 4) AS on_time_rate
FROM received_in_range;

-- All request types together over the range (metrics.md "Requests", the per-type definitions taken over
-- every type; a combined request counts once per type): requests received in the range, the closed ones
-- (completed or denied, with a closed_at), their median and mean days to close, and the on-time rate.
WITH received_in_range AS (
    SELECT *
    FROM requests_received($start, $end, $request_types, $jurisdictions, $request_channels)
)
SELECT count(*) AS received,
       count(days_to_close) AS closed,
       median_days(days_to_close) AS median_days_to_close,
       mean_days(days_to_close) AS mean_days_to_close,
       on_time_rate(days_to_close, closed_date, due_date) AS on_time_rate
FROM received_in_range;

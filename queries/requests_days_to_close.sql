-- The distribution of days_to_close per request type (metrics.md "Requests"), aggregated for the
-- Requests page's chart: completed and denied requests received in the range that have a closed_at,
-- counted per type and number of days. deadline_days is the type's deadline where it is a fixed
-- number of calendar days for every such request of the type (one rule, one number; NULL when the
-- type's requests fall under business-day or month deadlines, or under different numbers of days),
-- so the chart can draw it as a line. Extensions are not part of that line. type_on_time_rate is the type's share
-- closed by the deadline (measures.sql on_time_rate, extensions included), which every type has, whatever its
-- deadlines' units: the chart says it where it cannot draw a line.
WITH closed_in_range AS (
    -- deadline and deadline_unit: the rule request_facts chose for the request.
    SELECT request_id, request_type, days_to_close, closed_date, due_date, deadline, deadline_unit
    FROM requests_received($start, $end, $request_types, $jurisdictions, $request_channels)
    WHERE days_to_close IS NOT NULL
),
type_deadline AS (
    SELECT request_type,
           CASE WHEN bool_and(deadline_unit = 'calendar_days') AND count(DISTINCT deadline) = 1
                THEN min(deadline) END AS deadline_days,
           on_time_rate(days_to_close, closed_date, due_date) AS type_on_time_rate
    FROM closed_in_range
    GROUP BY request_type
)
SELECT request_type,
       days_to_close,
       count(*) AS requests,
       any_value(type_deadline.deadline_days) AS deadline_days,
       any_value(type_deadline.type_on_time_rate) AS type_on_time_rate,
       (sum(count(*)) OVER (PARTITION BY request_type))::BIGINT AS type_closed
FROM closed_in_range
JOIN type_deadline USING (request_type)
GROUP BY request_type, days_to_close
ORDER BY request_type, days_to_close;

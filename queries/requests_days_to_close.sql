-- The distribution of days_to_close per request type (metrics.md "Requests"), aggregated for the
-- Requests page's chart: completed and denied requests received in the range that have a closed_at,
-- counted per type and number of days. deadline_days is the type's deadline where it is a fixed
-- number of calendar days for every such request of the type (one rule, one number; NULL when the
-- type's requests fall under business-day or month deadlines, or under different numbers of days),
-- so the chart can draw it as a line. Extensions are not part of that line.
WITH closed_in_range AS (
    SELECT request_id, request_type, jurisdiction, days_to_close
    FROM request_facts
    WHERE days_to_close IS NOT NULL
      AND received_date BETWEEN $start::DATE AND $end::DATE
      AND ($request_types IS NULL OR list_contains($request_types::VARCHAR[], request_type))
      AND ($jurisdictions IS NULL OR list_contains($jurisdictions::VARCHAR[], jurisdiction))
      AND ($request_channels IS NULL
           OR list_contains($request_channels::VARCHAR[], coalesce(channel, 'unknown')))
),
deadline_rule AS (
    -- The rule each (jurisdiction, type) falls under, with the precedence of request_facts: the
    -- jurisdiction's own rows before 'unspecified', a row naming the type before a catch-all.
    SELECT pairs.jurisdiction, pairs.request_type, d.deadline, d.deadline_unit
    FROM (SELECT DISTINCT jurisdiction, request_type FROM closed_in_range) pairs
    JOIN deadlines d
      ON (d.jurisdiction = pairs.jurisdiction OR d.jurisdiction = 'unspecified')
     AND (d.request_types IS NULL OR list_contains(d.request_types, pairs.request_type))
    QUALIFY row_number() OVER (
        PARTITION BY pairs.jurisdiction, pairs.request_type
        ORDER BY (d.jurisdiction = pairs.jurisdiction) DESC, (d.request_types IS NOT NULL) DESC) = 1
),
type_deadline AS (
    SELECT c.request_type,
           CASE WHEN bool_and(r.deadline_unit = 'calendar_days') AND count(DISTINCT r.deadline) = 1
                THEN min(r.deadline) END AS deadline_days
    FROM (SELECT DISTINCT jurisdiction, request_type FROM closed_in_range) c
    LEFT JOIN deadline_rule r USING (jurisdiction, request_type)
    GROUP BY c.request_type
)
SELECT request_type,
       days_to_close,
       count(*) AS requests,
       any_value(type_deadline.deadline_days) AS deadline_days
FROM closed_in_range
JOIN type_deadline USING (request_type)
GROUP BY request_type, days_to_close
ORDER BY request_type, days_to_close;

-- The CCPA annual metrics for calendar year $year (metrics.md "CCPA annual metrics"; California
-- Code of Regulations, title 11, section 7102): the five request types in the regulation's order,
-- each row present even with no requests. Only CCPA requests unless $all_jurisdictions is true.
-- The page's type, jurisdiction and channel filters do not apply: this is the whole year's report.
WITH report_types (position, request_type, label) AS (
    VALUES (1, 'deletion', 'Requests to delete'),
           (2, 'correction', 'Requests to correct'),
           (3, 'access', 'Requests to know'),
           (4, 'opt_out', 'Requests to opt-out of sale/sharing'),
           (5, 'limit', 'Requests to limit')
),
received_in_year AS (
    SELECT request_type, status, days_to_close
    FROM request_facts
    WHERE received_date >= make_date($year::INTEGER, 1, 1)
      AND received_date < make_date($year::INTEGER + 1, 1, 1)
      AND (coalesce($all_jurisdictions::BOOLEAN, FALSE) OR jurisdiction = 'CCPA')
)
SELECT t.request_type,
       t.label,
       count(r.request_type) AS received,
       count(*) FILTER (r.status = 'completed') AS complied,
       count(*) FILTER (r.status = 'denied') AS denied,
       -- days_to_close is set exactly for completed and denied requests that have a closed_at.
       median_days(r.days_to_close) AS median_days,
       mean_days(r.days_to_close) AS mean_days,
       -- The count the day figures are taken over.
       count(r.days_to_close) AS responded
FROM report_types t
LEFT JOIN received_in_year r USING (request_type)
GROUP BY t.position, t.request_type, t.label
ORDER BY t.position;

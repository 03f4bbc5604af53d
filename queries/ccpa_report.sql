-- The CCPA annual metrics for calendar year $year (metrics.md "CCPA annual metrics"; California Code of
-- Regulations, title 11, section 7102): the five request types in the regulation's order, each row present even
-- with no requests, over the requests received in the year under the scope's laws ($jurisdictions; NULL for
-- every law). The page's type, jurisdiction and channel filters do not apply: this is the whole year's report.
-- Each request counts by its latest known status, so that received = complied + denied + withdrawn + open.
-- open_at_year_end: those not closed by the end of 31 December (closed later whatever the final status, or still
-- open), some of which may have been complied with or denied since. The denials by reason follow the categories
-- of section 7102(a)(2) (denial_category, macros.sql); denied_without_reason is a denial whose export gave none.
WITH report_types (position, request_type, label) AS (
    VALUES (1, 'deletion', 'Requests to delete'),
           (2, 'correction', 'Requests to correct'),
           (3, 'access', 'Requests to know'),
           (4, 'opt_out', 'Requests to opt-out of sale/sharing'),
           (5, 'limit', 'Requests to limit')
),
received_in_year AS (
    SELECT request_type, status, days_to_close, closed_at, denial_category
    FROM request_facts
    WHERE received_date >= make_date($year::INTEGER, 1, 1)
      AND received_date < make_date($year::INTEGER + 1, 1, 1)
      AND selected(jurisdiction, $jurisdictions)
)
SELECT t.request_type,
       t.label,
       count(r.request_type) AS received,
       count(*) FILTER (r.status = 'completed') AS complied,
       count(*) FILTER (r.status = 'denied') AS denied,
       count(*) FILTER (r.status = 'withdrawn') AS withdrawn,
       count(*) FILTER (r.status = 'open') AS open,
       -- days_to_close is set exactly for completed and denied requests that have a closed_at.
       median_days(r.days_to_close) AS median_days,
       mean_days(r.days_to_close) AS mean_days,
       -- The count the day figures are taken over.
       count(r.days_to_close) AS responded,
       count(*) FILTER (r.closed_at >= make_date($year::INTEGER + 1, 1, 1)
                        OR (r.closed_at IS NULL AND r.status = 'open')) AS open_at_year_end,
       count(*) FILTER (r.status = 'denied' AND r.denial_category = 'identity_not_verified')
           AS denied_identity_not_verified,
       count(*) FILTER (r.status = 'denied' AND r.denial_category = 'not_a_consumer') AS denied_not_a_consumer,
       count(*) FILTER (r.status = 'denied' AND r.denial_category = 'exempt') AS denied_exempt,
       count(*) FILTER (r.status = 'denied' AND r.denial_category = 'other') AS denied_other,
       count(*) FILTER (r.status = 'denied' AND r.denial_category IS NULL) AS denied_without_reason
FROM report_types t
LEFT JOIN received_in_year r USING (request_type)
GROUP BY t.position, t.request_type, t.label
ORDER BY t.position;

-- Why the requests received in the range were denied (metrics.md "Requests", denial reasons): per request type and
-- ground of section 7102(a)(2) (denial_category, macros.sql; 'none' where the export gave no reason), the denied
-- requests, under the pages' request filters; and per type all its denials (type_denied). A combined request
-- counts once per type.
SELECT request_type,
       coalesce(denial_category, 'none') AS denial_category,
       count(*) AS requests,
       (sum(count(*)) OVER (PARTITION BY request_type))::BIGINT AS type_denied
FROM requests_received($start, $end, $request_types, $jurisdictions, $request_channels)
WHERE status = 'denied'
GROUP BY request_type, coalesce(denial_category, 'none')
ORDER BY request_type, denial_category;

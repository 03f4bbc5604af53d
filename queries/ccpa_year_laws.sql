-- The laws of the requests received in calendar year $year of the five types the CCPA report counts (its scope
-- check): per jurisdiction ('unspecified' where the export named none), how many requests, one per type.
SELECT jurisdiction, count(*) AS requests
FROM request_facts
WHERE received_date >= make_date($year::INTEGER, 1, 1)
  AND received_date < make_date($year::INTEGER + 1, 1, 1)
  AND request_type IN ('deletion', 'correction', 'access', 'opt_out', 'limit')
GROUP BY jurisdiction
ORDER BY requests DESC, jurisdiction;

-- The monthly request counts the request-rise alert tests (alerts.py; metrics.md "Requests"): per calendar month
-- from $start to $end and request type, the requests received (a combined request once per type), and the day of
-- the first request in the store (first_received), before which a month holds no data rather than no requests.
-- No page filter applies.
SELECT strftime(received_date, '%Y-%m') AS month,
       request_type,
       count(*)::BIGINT AS received,
       (SELECT min(received_date) FROM request_facts) AS first_received
FROM requests_received($start, $end, NULL, NULL, NULL)
GROUP BY ALL
ORDER BY request_type, month;

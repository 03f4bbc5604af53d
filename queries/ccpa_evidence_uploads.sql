-- The uploads the CCPA report of calendar year $year rests on (its evidence): each upload that holds the current
-- version of at least one request received in the year under the scope's laws ($jurisdictions; NULL for every
-- law), with its file's name and SHA-256, its rows, who loaded it and when, and how many of the report's requests
-- (one per type) it holds. An upload whose requests a later upload replaced is not listed.
SELECT u.upload_id, u.file_name, u.sha256, u.format, u.rows_read, u.rows_loaded, u.loaded_by, u.loaded_at,
       count(*) AS requests_in_report
FROM request_facts f
JOIN uploads u USING (upload_id)
WHERE f.received_date >= make_date($year::INTEGER, 1, 1)
  AND f.received_date < make_date($year::INTEGER + 1, 1, 1)
  AND selected(f.jurisdiction, $jurisdictions)
  AND f.request_type IN ('deletion', 'correction', 'access', 'opt_out', 'limit')
GROUP BY ALL
ORDER BY u.upload_id;

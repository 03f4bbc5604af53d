-- Store the good rows of a consent upload ($upload_id) whose event the store does not hold yet, each event once
-- (its first record in the file). The variables `store_has_rows` and `file_has_copies` (ingest_consent_copies.sql)
-- leave out the look-up in the store and the pass over copies when there is nothing for them to find: DuckDB
-- reads a variable when it plans the query, so a step left out costs a ten-million-row file nothing.
INSERT INTO consent
SELECT event_id, subject_id, occurred_at, purpose, decision, policy_version, channel, region, $upload_id, method
FROM staged AS good
ANTI JOIN (SELECT event_id FROM consent WHERE getvariable('store_has_rows')) AS stored USING (event_id)
WHERE reject_reason IS NULL
QUALIFY NOT getvariable('file_has_copies') OR row_number() OVER (PARTITION BY event_id ORDER BY record) = 1;

-- The events of a consent upload ($upload_id) that another upload stored first: this one holds them too, so that
-- undoing the first leaves them in the store (store.py). Once per event, however often the file repeats it
-- (`file_has_copies`, as in ingest_consent_rows.sql).
INSERT INTO consent_holders
SELECT event_id, $upload_id
FROM staged AS good
SEMI JOIN (SELECT event_id FROM consent WHERE upload_id <> $upload_id) AS stored USING (event_id)
WHERE reject_reason IS NULL
QUALIFY NOT getvariable('file_has_copies') OR row_number() OVER (PARTITION BY event_id ORDER BY record) = 1;

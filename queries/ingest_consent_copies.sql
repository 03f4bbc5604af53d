-- Before a consent upload is stored: its good rows, whether an event is in the file twice, and whether the store
-- holds consent rows yet (ingest_consent_rows.sql skips the steps a file does not need by them). Copies of one
-- event inside a file are rare: a count of distinct hashes proves there are none (a collision only sends the
-- file down the exact path) without paying for the exact pass.
SELECT count(*) AS good,
       count(*) <> count(DISTINCT hash(event_id)) AS file_has_copies,
       EXISTS (SELECT 1 FROM consent) AS store_has_rows
FROM staged
WHERE reject_reason IS NULL;

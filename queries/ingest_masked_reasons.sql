-- How many kept request records had a denial reason holding an e-mail address or phone number, stored with it
-- masked (ingest_requests.sql, denial_reason_masked).
SELECT count(*) FROM staged WHERE reject_reason IS NULL AND denial_reason_masked;

-- A profile's (and the words file's) own names for purposes, a vendor's category or service id say, folded, as
-- temp table `profile_purposes`: ingest_consent.sql takes a purpose by them before any other name.
CREATE OR REPLACE TEMP TABLE profile_purposes AS
SELECT unnest($words::VARCHAR[]) AS word, unnest($purposes::VARCHAR[]) AS purpose;

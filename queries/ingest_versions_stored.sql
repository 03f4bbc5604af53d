-- What storing a requests or policy upload as versions came to (temp table `arriving`, made by
-- ingest_request_versions.sql or ingest_policy_versions.sql): the versions stored, the records they came from,
-- and the file's good records; a good record that brought no version changed nothing, a duplicate.
SELECT count(*) FILTER (WHERE changes_something) AS versions_stored,
       count(DISTINCT record) FILTER (WHERE changes_something) AS records_stored,
       (SELECT count(*) FROM staged WHERE reject_reason IS NULL) AS good_records
FROM arriving;

-- Store a policy catalogue upload (the good rows of temp table `staged`) as versions, under upload
-- getvariable('upload_id'), as ingest_request_versions.sql stores requests: a policy version the store lacks,
-- or whose effective date, title or url differ from those it shows, gets a new version; one that changes
-- nothing lists the upload among the holders of the version shown. Within one file the later line wins.
CREATE OR REPLACE TEMP TABLE arriving AS
SELECT newest.*,
       present.policy_version IS NULL
           OR present.effective_date IS DISTINCT FROM newest.effective_date
           OR present.title IS DISTINCT FROM newest.title
           OR present.url IS DISTINCT FROM newest.url AS changes_something,
       version_fingerprint([present.effective_date::VARCHAR, present.title::VARCHAR, present.url::VARCHAR])
           AS present_version
FROM (SELECT * FROM staged WHERE reject_reason IS NULL
      QUALIFY row_number() OVER (PARTITION BY policy_version ORDER BY record DESC) = 1) AS newest
LEFT JOIN policies AS present ON present.policy_version = newest.policy_version;

INSERT INTO policy_holders
SELECT policy_version, present_version, getvariable('upload_id')
FROM arriving WHERE NOT changes_something;

INSERT INTO policy_versions_uploaded
SELECT policy_version, effective_date, title, url, getvariable('upload_id'), line
FROM arriving WHERE changes_something;

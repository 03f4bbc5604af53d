-- Store a requests upload (temp table `staged_rows`: one row per good record and request type) as versions,
-- under upload getvariable('upload_id'). A request the store lacks, or whose values differ from the version it
-- shows, gets a new version; one that changes nothing lists the upload among the holders of the version shown,
-- by that version's fingerprint (macros.sql, version_fingerprint, over the values in store.VERSIONED's order),
-- so that undoing the upload that brought it first leaves it (store.py). Within one file the later line wins.
CREATE OR REPLACE TEMP TABLE arriving AS
SELECT newest.*,
       present.request_id IS NULL
           OR present.received_at IS DISTINCT FROM newest.received_at
           OR present.status IS DISTINCT FROM newest.status
           OR present.closed_at IS DISTINCT FROM newest.closed_at
           OR present.subject_id IS DISTINCT FROM newest.subject_id
           OR present.jurisdiction IS DISTINCT FROM newest.jurisdiction
           OR present.extended IS DISTINCT FROM newest.extended
           OR present.channel IS DISTINCT FROM newest.channel
           OR present.denial_reason IS DISTINCT FROM newest.denial_reason AS changes_something,
       version_fingerprint([present.received_at::VARCHAR, present.status::VARCHAR, present.closed_at::VARCHAR,
                            present.subject_id::VARCHAR, present.jurisdiction::VARCHAR, present.extended::VARCHAR,
                            present.channel::VARCHAR, present.denial_reason::VARCHAR]) AS present_version
FROM (SELECT * FROM staged_rows
      QUALIFY row_number() OVER (PARTITION BY request_id, request_type ORDER BY record DESC) = 1) AS newest
LEFT JOIN requests AS present
       ON present.request_id = newest.request_id AND present.request_type = newest.request_type;

INSERT INTO request_holders
SELECT request_id, request_type, present_version, getvariable('upload_id')
FROM arriving WHERE NOT changes_something;

INSERT INTO request_versions
SELECT request_id, request_type, received_at, status, closed_at, subject_id, jurisdiction, extended, channel,
       getvariable('upload_id'), line, denial_reason
FROM arriving WHERE changes_something;

-- Normalise a requests export's rows (temp table `mapped`, all text) into temp table `staged`, one
-- row per record with the first rule it breaks (ingest_request_types.sql then splits the types).
CREATE OR REPLACE TEMP TABLE staged AS
WITH cleaned AS (
    SELECT record, line,
           nullif(trim(request_id), '') AS request_id_text,
           nullif(trim(request_type), '') AS type_text,
           nullif(trim(received_at), '') AS received_text,
           nullif(trim(status), '') AS status_text,
           nullif(trim(closed_at), '') AS closed_text,
           nullif(trim(subject_id), '') AS subject_text,
           nullif(trim(jurisdiction), '') AS jurisdiction_text,
           nullif(trim(extended), '') AS extended_text,
           nullif(trim(channel), '') AS channel_text
    FROM mapped
),
parsed AS (
    SELECT cleaned.*,
           request_id_text AS request_id,
           parse_timestamp(received_text, getvariable('received_at_order')) AS received_at,
           parse_timestamp(closed_text, getvariable('closed_at_order')) AS closed_at,
           coalesce(statuses.canonical,
                    CASE WHEN regexp_matches(fold_key(status_text), '^(awaiting|pending|requires)_')
                         THEN 'open' END) AS status,
           coalesce(jurisdictions.canonical, 'unspecified') AS jurisdiction,
           jurisdiction_text IS NOT NULL AND jurisdictions.canonical IS NULL AS jurisdiction_unknown,
           coalesce(booleans.canonical = 'true', FALSE) AS extended,
           extended_text IS NOT NULL AND booleans.canonical IS NULL AS extended_unreadable,
           CASE WHEN looks_like_identifier(subject_text) THEN pseudonym(subject_text)
                ELSE subject_text END AS subject_id,
           fold_key(channel_text) AS channel
    FROM cleaned
    LEFT JOIN vocabulary AS statuses
           ON statuses.field = 'status' AND statuses.word = fold_key(cleaned.status_text)
    LEFT JOIN vocabulary AS jurisdictions
           ON jurisdictions.field = 'jurisdiction' AND jurisdictions.word = fold_key(cleaned.jurisdiction_text)
    LEFT JOIN vocabulary AS booleans
           ON booleans.field = 'boolean' AND booleans.word = fold_key(cleaned.extended_text)
)
SELECT *,
       CASE WHEN request_id_text IS NULL THEN 'request_id'
            WHEN type_text IS NULL THEN 'request_type'
            WHEN received_at IS NULL THEN 'received_at'
            WHEN status IS NULL THEN 'status'
            WHEN closed_text IS NOT NULL AND closed_at IS NULL THEN 'closed_at'
            WHEN extended_unreadable THEN 'extended' END AS reject_column,
       CASE WHEN request_id_text IS NULL THEN 'request_id is empty'
            WHEN type_text IS NULL THEN 'request_type is empty'
            WHEN received_text IS NULL THEN 'received_at is empty'
            WHEN received_at IS NULL THEN 'received_at is not a date or time this dashboard reads'
            WHEN status_text IS NULL THEN 'status is empty'
            WHEN status IS NULL THEN 'status is not open, completed, denied or withdrawn, nor a synonym of one'
            WHEN closed_text IS NOT NULL AND closed_at IS NULL
                THEN 'closed_at is not a date or time this dashboard reads'
            WHEN extended_unreadable THEN 'extended is neither true nor false (true, yes, 1 / false, no, 0)'
       END AS reject_reason,
       shown_value(CASE
            WHEN request_id_text IS NULL OR type_text IS NULL THEN NULL
            WHEN received_at IS NULL THEN received_text
            WHEN status IS NULL THEN status_text
            WHEN closed_text IS NOT NULL AND closed_at IS NULL THEN closed_text
            WHEN extended_unreadable THEN extended_text END) AS reject_value
FROM parsed;

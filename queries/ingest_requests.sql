-- Normalise a requests export's rows (temp view `mapped`, all text, trimmed) into temp table `staged`, one
-- row per record with the first rule it breaks (ingest_request_types.sql then splits the types).
-- A request id that is a person's e-mail address or phone number becomes its pseudonym (macros.sql,
-- looks_like_identifier): loading the same export again still finds the same request. Every subject
-- becomes a pseudonym, whatever it looks like (macros.sql, subject_pseudonym: the rule of consent too).
-- A value holding an e-mail address or phone number (holds_identifier) never becomes a key: in
-- request_type or status, which every figure needs, it rejects the row, as any unusable required value
-- does; in jurisdiction or channel, which only describe the request, it is dropped (the request is kept
-- as `unspecified` / without a channel) and listed by column in `dropped_identities` for the warning. A denial
-- reason is free text kept as written, so one that holds an address or a number keeps its words with that
-- masked (macros.sql, masked: `[e-mail address]`), and is counted for the warning (`denial_reason_masked`).
CREATE OR REPLACE TEMP TABLE staged AS
WITH cleaned AS (
    -- The values come trimmed, NULL when empty (ingest_mapped.sql): the text of each, before it is read.
    SELECT record, line, request_id AS request_id_text, request_type AS type_text, received_at AS received_text,
           status AS status_text, closed_at AS closed_text, subject_id AS subject_text,
           jurisdiction AS jurisdiction_text, extended AS extended_text, channel AS channel_text,
           denial_reason AS denial_reason_text
    FROM mapped
),
subject_words AS (
    -- Once per spelling: the keyed hash is the costliest step of a load.
    SELECT subject_text, subject_pseudonym(subject_text) AS subject_id
    FROM (SELECT DISTINCT subject_id AS subject_text FROM mapped WHERE subject_id IS NOT NULL)
),
parsed AS (
    SELECT cleaned.*,
           CASE WHEN looks_like_identifier(request_id_text) THEN pseudonym(identity_of(request_id_text))
                ELSE request_id_text END AS request_id,
           holds_identifier(type_text) AS type_is_identity,
           holds_identifier(status_text) AS status_is_identity,
           parse_timestamp(received_text, getvariable('received_at_order')) AS received_at,
           parse_timestamp(closed_text, getvariable('closed_at_order')) AS closed_at,
           coalesce(statuses.canonical,
                    CASE WHEN regexp_matches(fold_key(status_text), '^(awaiting|pending|requires)_')
                         THEN 'open' END) AS status,
           -- No jurisdiction's name holds an address or phone number: such a text is `unspecified`.
           coalesce(jurisdictions.canonical, 'unspecified') AS jurisdiction,
           holds_identifier(jurisdiction_text) AS jurisdiction_dropped,
           jurisdiction_text IS NOT NULL AND jurisdictions.canonical IS NULL
               AND NOT holds_identifier(jurisdiction_text) AS jurisdiction_unknown,
           coalesce(booleans.canonical = 'true', FALSE) AS extended,
           extended_text IS NOT NULL AND booleans.canonical IS NULL AS extended_unreadable,
           subjects.subject_id,
           holds_identifier(channel_text) AS channel_dropped,
           CASE WHEN NOT holds_identifier(channel_text) THEN fold_key(channel_text) END AS channel,
           masked(denial_reason_text) AS denial_reason,
           holds_identifier(denial_reason_text) AS denial_reason_masked
    FROM cleaned
    LEFT JOIN vocabulary AS statuses
           ON statuses.field = 'status' AND statuses.word = fold_key(cleaned.status_text)
    LEFT JOIN vocabulary AS jurisdictions
           ON jurisdictions.field = 'jurisdiction' AND jurisdictions.word = fold_key(cleaned.jurisdiction_text)
    LEFT JOIN vocabulary AS booleans
           ON booleans.field = 'boolean' AND booleans.word = fold_key(cleaned.extended_text)
    LEFT JOIN subject_words AS subjects ON subjects.subject_text = cleaned.subject_text
)
SELECT *,
       CASE WHEN jurisdiction_dropped OR channel_dropped THEN list_filter(
                [CASE WHEN jurisdiction_dropped THEN 'jurisdiction' END,
                 CASE WHEN channel_dropped THEN 'channel' END], lambda name: name IS NOT NULL)
       END AS dropped_identities,
       CASE WHEN request_id_text IS NULL THEN 'request_id'
            WHEN type_text IS NULL OR type_is_identity THEN 'request_type'
            WHEN received_at IS NULL THEN 'received_at'
            WHEN status IS NULL OR status_is_identity THEN 'status'
            WHEN closed_text IS NOT NULL AND closed_at IS NULL THEN 'closed_at'
            WHEN extended_unreadable THEN 'extended' END AS reject_column,
       CASE WHEN request_id_text IS NULL THEN 'request_id is empty'
            WHEN type_text IS NULL THEN 'request_type is empty'
            WHEN type_is_identity THEN 'request_type holds an e-mail address or phone number, not a request type'
            WHEN received_text IS NULL THEN 'received_at is empty'
            WHEN received_at IS NULL THEN 'received_at is not a date or time this dashboard reads'
            WHEN status_text IS NULL THEN 'status is empty'
            WHEN status_is_identity THEN 'status holds an e-mail address or phone number, not a status'
            WHEN status IS NULL THEN 'status is not open, completed, denied or withdrawn, nor a synonym of one'
            WHEN closed_text IS NOT NULL AND closed_at IS NULL
                THEN 'closed_at is not a date or time this dashboard reads'
            WHEN extended_unreadable THEN 'extended is neither true nor false (true, yes, 1 / false, no, 0)'
       END AS reject_reason,
       shown_value(CASE
            WHEN request_id_text IS NULL OR type_text IS NULL THEN NULL
            WHEN type_is_identity THEN type_text
            WHEN received_at IS NULL THEN received_text
            WHEN status IS NULL OR status_is_identity THEN status_text
            WHEN closed_text IS NOT NULL AND closed_at IS NULL THEN closed_text
            WHEN extended_unreadable THEN extended_text END) AS reject_value
FROM parsed;

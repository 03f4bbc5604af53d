-- One row per good request record and request type (temp table `staged_rows`): a combined
-- `access+erasure` is one request of each type, sharing the id. Unknown types are kept as `other`, and
-- listed with unknown jurisdictions in temp view `unusual_values`.
CREATE OR REPLACE TEMP TABLE staged_rows AS
WITH split AS (
    SELECT record, line, request_id, received_at, status, closed_at, subject_id, jurisdiction,
           extended, channel, denial_reason,
           unnest(list_distinct(list_filter(
               list_transform(string_split(type_text, '+'), lambda part: fold_key(part)),
               lambda part: part IS NOT NULL))) AS type_word
    FROM staged
    WHERE reject_reason IS NULL
)
SELECT split.* EXCLUDE (type_word),
       coalesce(types.canonical, 'other') AS request_type,
       CASE WHEN types.canonical IS NULL THEN type_word END AS unknown_type
FROM split
LEFT JOIN vocabulary AS types ON types.field = 'request_type' AND types.word = split.type_word;

-- The values kept but worth a look (ingest_unusual_values.sql): request types not recognised (each part of a
-- combined type, folded), counted as `other`, and jurisdictions not recognised, counted as `unspecified`, as the
-- file spelled them.
CREATE OR REPLACE TEMP VIEW unusual_values AS
SELECT 'request_type' AS field, unknown_type AS value FROM staged_rows WHERE unknown_type IS NOT NULL
UNION ALL
SELECT 'jurisdiction', jurisdiction_text FROM staged WHERE reject_reason IS NULL AND jurisdiction_unknown;

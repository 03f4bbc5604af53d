-- Whether the purposes (consent) or request types (requests) of a normalised file look like something else, a
-- sign that the wrong column was mapped (ingest.py, _mapping_looks_wrong). Of the rows whose value no profile,
-- service map or vocabulary names: all of them, and those holding JSON text, a list of several values, a yes/no
-- or opt-in/opt-out flag, or an e-mail address or phone number. $spelled names the column of temp table
-- `staged` that holds the value as the file spelled it (purpose_text or type_text).
WITH spelled AS (
    SELECT text, count(*) AS rows
    FROM (SELECT COLUMNS(lambda name: name = $spelled) AS text FROM staged)
    WHERE text IS NOT NULL
    GROUP BY ALL
),
-- The words a profile, the service map or the vocabulary names are meant, whatever they look like.
named AS (SELECT word FROM profile_purposes UNION SELECT fold_key(service_id) FROM service_purposes
          UNION SELECT word FROM vocabulary WHERE field = 'request_type'),
known AS (SELECT fold_purpose(label) AS folded FROM purposes UNION SELECT purpose FROM purposes)
SELECT coalesce(sum(rows), 0) AS total,
       coalesce(sum(rows) FILTER (WHERE left(text, 1) IN ('{', '[')), 0) AS json_rows,
       coalesce(sum(rows) FILTER (WHERE left(text, 1) NOT IN ('{', '[')
           AND len(list_filter(regexp_split_to_array(text, '\s*[,;|]\s*'), lambda part: part <> '')) >= 2
           AND fold_purpose(text) NOT IN (SELECT folded FROM known WHERE folded IS NOT NULL)), 0) AS list_rows,
       coalesce(sum(rows) FILTER (WHERE fold_key(text) IN (
           SELECT word FROM vocabulary WHERE field IN ('boolean', 'decision'))), 0) AS flag_rows,
       coalesce(sum(rows) FILTER (WHERE holds_identifier(text)), 0) AS identity_rows
FROM spelled
WHERE fold_key(text) NOT IN (SELECT word FROM named WHERE word IS NOT NULL);

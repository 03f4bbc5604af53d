-- Normalise a policy catalogue's rows (temp view `mapped`, all text, trimmed) into temp table `staged`.
-- A value holding an e-mail address or phone number (macros.sql, holds_identifier) is never stored: in
-- policy_version, the key every consent row points at, it rejects the row; in title or url, which only
-- describe the version (a `mailto:` link names a person's mailbox), it is dropped and listed by column
-- in `dropped_identities` for the warning, and the version is kept.
CREATE OR REPLACE TEMP TABLE staged AS
WITH cleaned AS (
    -- The values come trimmed, NULL when empty (ingest_mapped.sql).
    SELECT record, line, policy_version, effective_date AS effective_text, title AS title_text, url AS url_text
    FROM mapped
),
parsed AS (
    SELECT *, parse_timestamp(effective_text, getvariable('effective_date_order'))::DATE AS effective_date,
           holds_identifier(policy_version) AS version_is_identity,
           holds_identifier(title_text) AS title_dropped,
           holds_identifier(url_text) AS url_dropped
    FROM cleaned
)
SELECT *,
       CASE WHEN NOT title_dropped THEN title_text END AS title,
       CASE WHEN NOT url_dropped THEN url_text END AS url,
       CASE WHEN title_dropped OR url_dropped THEN list_filter(
                [CASE WHEN title_dropped THEN 'title' END, CASE WHEN url_dropped THEN 'url' END],
                lambda name: name IS NOT NULL)
       END AS dropped_identities,
       CASE WHEN policy_version IS NULL OR version_is_identity THEN 'policy_version'
            WHEN effective_date IS NULL THEN 'effective_date' END AS reject_column,
       CASE WHEN policy_version IS NULL THEN 'policy_version is empty'
            WHEN version_is_identity THEN 'policy_version holds an e-mail address or phone number, not a version'
            WHEN effective_text IS NULL THEN 'effective_date is empty'
            WHEN effective_date IS NULL THEN 'effective_date is not a date this dashboard reads'
       END AS reject_reason,
       shown_value(CASE WHEN version_is_identity THEN policy_version
                        WHEN policy_version IS NOT NULL AND effective_date IS NULL
                        THEN effective_text END) AS reject_value
FROM parsed;

-- Normalise a policy catalogue's rows (temp table `mapped`, all text) into temp table `staged`.
CREATE OR REPLACE TEMP TABLE staged AS
WITH cleaned AS (
    SELECT record, line,
           nullif(trim(policy_version), '') AS policy_version,
           nullif(trim(effective_date), '') AS effective_text,
           nullif(trim(title), '') AS title,
           nullif(trim(url), '') AS url
    FROM mapped
),
parsed AS (
    SELECT *, parse_timestamp(effective_text, getvariable('effective_date_order'))::DATE AS effective_date
    FROM cleaned
)
SELECT *,
       CASE WHEN policy_version IS NULL THEN 'policy_version'
            WHEN effective_date IS NULL THEN 'effective_date' END AS reject_column,
       CASE WHEN policy_version IS NULL THEN 'policy_version is empty'
            WHEN effective_text IS NULL THEN 'effective_date is empty'
            WHEN effective_date IS NULL THEN 'effective_date is not a date this dashboard reads'
       END AS reject_reason,
       shown_value(CASE WHEN policy_version IS NOT NULL AND effective_date IS NULL
                        THEN effective_text END) AS reject_value
FROM parsed;

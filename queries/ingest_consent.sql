-- Normalise a consent export's rows (temp table `mapped`, all text) into temp table `staged`:
-- canonical values in UTC, a derived event_id where the export has none, identifiers made
-- pseudonyms, and for a row that breaks a rule the first rule, its column and value.
CREATE OR REPLACE TEMP TABLE staged AS
WITH catalogue AS (
    SELECT DISTINCT purpose, folded
    FROM (
        SELECT purpose, fold_purpose(purpose) AS folded FROM purposes
        UNION ALL SELECT purpose, fold_purpose(label) FROM purposes
        UNION ALL SELECT purpose, fold_purpose(unnest(aliases)) FROM purposes
    )
    WHERE folded IS NOT NULL
),
cleaned AS (
    SELECT record, line,
           nullif(trim(event_id), '') AS event_id_text,
           nullif(trim(subject_id), '') AS subject_text,
           nullif(trim(occurred_at), '') AS occurred_text,
           nullif(trim(purpose), '') AS purpose_text,
           nullif(trim(decision), '') AS decision_text,
           nullif(trim(policy_version), '') AS policy_text,
           nullif(trim(channel), '') AS channel_text,
           nullif(trim(region), '') AS region_text
    FROM mapped
),
parsed AS (
    SELECT cleaned.*,
           CASE WHEN looks_like_identifier(subject_text) THEN pseudonym(subject_text)
                ELSE subject_text END AS subject_id,
           parse_timestamp(occurred_text, $occurred_at_order) AS occurred_at,
           -- A vendor's service (a Usercentrics service id, say) is folded into its purpose by the
           -- editable map; an unmapped service stays a purpose of its own and is listed as new.
           coalesce(services.purpose, catalogue.purpose, fold_purpose(purpose_text)) AS purpose,
           services.purpose IS NULL AND catalogue.purpose IS NULL AS purpose_is_new,
           decisions.canonical AS decision,
           coalesce(policy_text, 'unknown') AS policy_version,
           fold_key(channel_text) AS channel,
           CASE WHEN upper(region_text) IN ('EEA', 'EU') THEN 'EU'
                ELSE upper(regexp_replace(region_text, '[\s_]+', '-', 'g')) END AS region
    FROM cleaned
    LEFT JOIN service_purposes AS services ON services.service_id = cleaned.purpose_text
    LEFT JOIN catalogue ON catalogue.folded = fold_purpose(cleaned.purpose_text)
    LEFT JOIN vocabulary AS decisions
           ON decisions.field = 'decision' AND decisions.word = fold_key(cleaned.decision_text)
),
judged AS (
    SELECT *,
           CASE WHEN subject_text IS NULL THEN 'subject_id'
                WHEN occurred_at IS NULL THEN 'occurred_at'
                WHEN purpose IS NULL THEN 'purpose'
                WHEN decision IS NULL THEN 'decision' END AS reject_column,
           CASE WHEN subject_text IS NULL THEN 'subject_id is empty'
                WHEN occurred_text IS NULL THEN 'occurred_at is empty'
                WHEN occurred_at IS NULL THEN 'occurred_at is not a date or time this dashboard reads'
                WHEN purpose_text IS NULL THEN 'purpose is empty'
                WHEN purpose IS NULL THEN 'purpose has no letters or digits'
                WHEN decision_text IS NULL THEN 'decision is empty'
                WHEN lower(decision_text) = 'tcf'
                    THEN 'preference tcf is an IAB TCF consent string, not a decision this dashboard reads'
                WHEN decision IS NULL THEN 'decision is not opt_in, opt_out or acknowledge, nor a synonym of one'
           END AS reject_reason
    FROM parsed
)
SELECT *,
       shown_value(CASE reject_column
           WHEN 'occurred_at' THEN occurred_text
           WHEN 'purpose' THEN purpose_text
           WHEN 'decision' THEN decision_text END) AS reject_value,
       -- Computed from normalised values, so `yes` in one export and `opt_in` in another is one decision.
       coalesce(event_id_text, 'd_' || left(sha256(concat_ws('|',
           subject_id, strftime(occurred_at, '%Y-%m-%dT%H:%M:%S.%f'), purpose, decision, policy_version)), 32)
       ) AS event_id
FROM judged;

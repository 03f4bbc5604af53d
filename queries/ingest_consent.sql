-- Normalise a consent export's rows (temp view `mapped`, all text, trimmed) into temp table `staged`:
-- canonical values in UTC, a derived event_id where the export has none, identifiers made
-- pseudonyms, and for a row that breaks a rule the first rule, its column and value.
-- A value holding an e-mail address or phone number (macros.sql, holds_identifier) never becomes a key:
-- in purpose or decision, which every figure needs, it rejects the row, as any unusable required value
-- does; in policy_version, channel, region or method, which only describe the decision, it is dropped (the row
-- is kept as `unknown` there, still counted) and listed by column in `dropped_identities` for the warning.
-- A method (how the choice was made: gpc, banner, preference_centre, ...) is read by the words of the field
-- `method` (vocabulary.py, METHODS; a profile's and the words file's first), and a spelling none of them names
-- is kept as its folded key, as a channel is.
-- Purposes, decisions, versions, channels, regions and methods take few distinct spellings: each spelling is
-- folded once, in the small `*_words` tables, and the rows are joined to them, so ten million rows
-- cost ten million lookups rather than ten million regular expressions.
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
purpose_words AS (
    -- A vendor's service (a Usercentrics service id, say) is folded into its purpose by the editable
    -- map; an unmapped service stays a purpose of its own and is listed as new.
    -- A profile's own words for purposes (a tool's category ids, say) come first.
    SELECT spelled, spelled AS purpose_text, holds_identifier(spelled) AS purpose_is_identity,
           CASE WHEN NOT holds_identifier(spelled)
                THEN coalesce(named.purpose, services.purpose, catalogue.purpose, fold_purpose(spelled)) END AS purpose,
           named.purpose IS NULL AND services.purpose IS NULL AND catalogue.purpose IS NULL
               AND coalesce(fold_purpose(spelled), '') <> 'notice' AS purpose_is_new
    FROM (SELECT DISTINCT purpose AS spelled FROM mapped WHERE purpose IS NOT NULL) AS words
    LEFT JOIN profile_purposes AS named ON named.word = fold_key(words.spelled)
    LEFT JOIN service_purposes AS services ON services.service_id = words.spelled
    LEFT JOIN catalogue ON catalogue.folded = fold_purpose(words.spelled)
),
decision_words AS (
    SELECT spelled, spelled AS decision_text, holds_identifier(spelled) AS decision_is_identity,
           decisions.canonical AS decision
    FROM (SELECT DISTINCT decision AS spelled FROM mapped WHERE decision IS NOT NULL) AS words
    LEFT JOIN vocabulary AS decisions ON decisions.field = 'decision' AND decisions.word = fold_key(words.spelled)
),
version_words AS (
    SELECT spelled, holds_identifier(spelled) AS version_dropped,
           CASE WHEN NOT holds_identifier(spelled) THEN spelled END AS policy_version
    FROM (SELECT DISTINCT policy_version AS spelled FROM mapped WHERE policy_version IS NOT NULL)
),
channel_words AS (
    SELECT spelled, holds_identifier(spelled) AS channel_dropped,
           CASE WHEN NOT holds_identifier(spelled) THEN fold_key(spelled) END AS channel
    FROM (SELECT DISTINCT channel AS spelled FROM mapped WHERE channel IS NOT NULL)
),
region_words AS (
    SELECT spelled, holds_identifier(spelled) AS region_dropped,
           CASE WHEN holds_identifier(spelled) THEN NULL
                WHEN upper(spelled) IN ('EEA', 'EU') THEN 'EU'
                ELSE upper(regexp_replace(spelled, '[\s_]+', '-', 'g')) END AS region
    FROM (SELECT DISTINCT region AS spelled FROM mapped WHERE region IS NOT NULL)
),
method_words AS (
    SELECT spelled, holds_identifier(spelled) AS method_dropped,
           CASE WHEN NOT holds_identifier(spelled) THEN coalesce(methods.canonical, fold_key(words.spelled)) END
               AS method
    FROM (SELECT DISTINCT method AS spelled FROM mapped WHERE method IS NOT NULL) AS words
    LEFT JOIN vocabulary AS methods ON methods.field = 'method' AND methods.word = fold_key(words.spelled)
),
subject_words AS (
    -- Every subject becomes a pseudonym (macros.sql, subject_pseudonym) before anything else reads it. Once
    -- per spelling: the hash is the costliest step of a load, and one person's decisions repeat their id.
    SELECT spelled, subject_pseudonym(spelled) AS subject_id
    FROM (SELECT DISTINCT subject_id AS spelled FROM mapped WHERE subject_id IS NOT NULL)
),
cleaned AS (
    SELECT m.record, m.line,
           m.event_id,
           s.subject_id,
           m.occurred_at AS occurred_spelled,
           iso_timestamp_fast(m.occurred_at) AS occurred_at,
           p.purpose_text, p.purpose, p.purpose_is_new, p.purpose_is_identity,
           d.decision_text, d.decision, d.decision_is_identity,
           coalesce(v.policy_version, 'unknown') AS policy_version,
           c.channel, r.region, mw.method,
           CASE WHEN v.version_dropped OR c.channel_dropped OR r.region_dropped OR mw.method_dropped THEN list_filter(
                    [CASE WHEN v.version_dropped THEN 'policy_version' END,
                     CASE WHEN c.channel_dropped THEN 'channel' END,
                     CASE WHEN r.region_dropped THEN 'region' END,
                     CASE WHEN mw.method_dropped THEN 'method' END], lambda name: name IS NOT NULL)
           END AS dropped_identities
    FROM mapped AS m
    LEFT JOIN purpose_words AS p ON p.spelled = m.purpose
    LEFT JOIN decision_words AS d ON d.spelled = m.decision
    LEFT JOIN version_words AS v ON v.spelled = m.policy_version
    LEFT JOIN channel_words AS c ON c.spelled = m.channel
    LEFT JOIN region_words AS r ON r.spelled = m.region
    LEFT JOIN method_words AS mw ON mw.spelled = m.method
    LEFT JOIN subject_words AS s ON s.spelled = m.subject_id
)
SELECT record, line,
       -- An event id that is a person's address or phone number is kept as its pseudonym: the same
       -- export loaded again still finds the same event.
       CASE WHEN looks_like_identifier(event_id) THEN pseudonym(identity_of(event_id)) ELSE event_id END AS event_id,
       subject_id,
       occurred_at,
       -- The text of a timestamp the common ISO forms did not read, for the full parser below.
       CASE WHEN occurred_at IS NULL THEN occurred_spelled END AS occurred_spelled,
       purpose, purpose_is_new, decision, policy_version, channel, region, method, dropped_identities,
       -- As the file spelled it: two services folded into one purpose are told apart by it.
       purpose_text,
       -- The first rule a row breaks; the timestamp's rule, second in order, is judged below.
       CASE WHEN subject_id IS NULL THEN 'subject_id'
            WHEN purpose IS NULL THEN 'purpose'
            WHEN decision IS NULL OR decision_is_identity THEN 'decision' END AS reject_column,
       CASE WHEN subject_id IS NULL THEN 'subject_id is empty'
            WHEN purpose_text IS NULL THEN 'purpose is empty'
            WHEN purpose_is_identity THEN 'purpose holds an e-mail address or phone number, not a purpose'
            WHEN purpose IS NULL THEN 'purpose has no letters or digits'
            WHEN decision_text IS NULL THEN 'decision is empty'
            WHEN decision_is_identity THEN 'decision holds an e-mail address or phone number, not a decision'
            WHEN lower(decision_text) = 'tcf'
                THEN 'preference tcf is an IAB TCF consent string, not a decision this dashboard reads'
            WHEN decision IS NULL THEN 'decision is not opt_in, opt_out, acknowledge or shown, nor a synonym of one'
       END AS reject_reason,
       shown_value(CASE
            WHEN subject_id IS NULL THEN NULL
            WHEN purpose IS NULL THEN purpose_text
            WHEN decision IS NULL OR decision_is_identity THEN decision_text END) AS reject_value
FROM cleaned;

-- The few rows the fast paths above left: timestamps in other forms (slash dates, epochs, odd
-- offsets), read by the full parser in the date order chosen for the file.
UPDATE staged
SET occurred_at = parse_timestamp(occurred_spelled, getvariable('occurred_at_order'))
WHERE occurred_at IS NULL AND occurred_spelled IS NOT NULL;

UPDATE staged
SET reject_column = 'occurred_at',
    reject_reason = CASE WHEN occurred_spelled IS NULL THEN 'occurred_at is empty'
                         ELSE 'occurred_at is not a date or time this dashboard reads' END,
    reject_value = shown_value(occurred_spelled)
WHERE occurred_at IS NULL AND subject_id IS NOT NULL;

-- An event without an id takes one computed from normalised values, so `yes` in one export and
-- `opt_in` in another is one decision.
UPDATE staged
SET event_id = 'd_' || left(sha256(concat_ws('|',
        subject_id, strftime(occurred_at, '%Y-%m-%dT%H:%M:%S.%f'), purpose, decision, policy_version)), 32)
WHERE event_id IS NULL AND reject_reason IS NULL;

-- The values kept but worth a look (ingest_unusual_values.sql): purposes not in the catalogue, kept as new ones.
CREATE OR REPLACE TEMP VIEW unusual_values AS
SELECT 'purpose' AS field, purpose AS value FROM staged WHERE reject_reason IS NULL AND purpose_is_new;

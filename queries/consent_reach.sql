-- Notice reach in the range (metrics.md "Consent", notice reach; measures.sql no_choice_rate): per purpose with
-- `shown` rows from $start to the end of $end (a notice displayed, or a default applied, without a choice; a
-- banner view naming no purpose is under `notice`), the people shown one (people_shown), of them those who made an
-- opt-in or opt-out choice for that purpose in the same range (people_chose; for `notice`, a choice for any
-- purpose), and the no-choice rate. Under the pages' consent filters. No row when the exports hold no `shown` rows.
WITH in_range AS (
    SELECT subject_id, purpose, decision
    FROM consent
    WHERE occurred_at >= $start::DATE AND occurred_at < $end::DATE + 1
      AND decision IN ('shown', 'opt_in', 'opt_out')
      AND selected(channel, $channels) AND selected(region, $regions)
),
shown AS (
    SELECT DISTINCT purpose, subject_id
    FROM in_range
    WHERE decision = 'shown' AND selected(purpose, $purposes)
),
chose AS (
    -- Only the people shown a notice: a semi-join keeps the choices to look through few.
    SELECT DISTINCT c.purpose, c.subject_id
    FROM in_range c
    SEMI JOIN shown s ON s.subject_id = c.subject_id
    WHERE c.decision IN ('opt_in', 'opt_out')
),
flagged AS (
    SELECT s.purpose, s.subject_id, bool_or(c.subject_id IS NOT NULL) AS chose
    FROM shown s
    LEFT JOIN chose c ON c.subject_id = s.subject_id AND (c.purpose = s.purpose OR s.purpose = 'notice')
    GROUP BY s.purpose, s.subject_id
)
SELECT purpose,
       count(*) AS people_shown,
       count(*) FILTER (chose) AS people_chose,
       no_choice_rate(count(*), count(*) FILTER (chose)) AS no_choice_rate
FROM flagged
GROUP BY purpose
ORDER BY purpose;

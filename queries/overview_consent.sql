-- The Overview's consent tiles (metrics.md "Consent", standing consent): for each purpose people consent to (the
-- catalogue's basis 'consent'), in the catalogue's order, the consent standing at the end of the range and at the
-- end of the day before the range began, and the change of the standing opt-in rate between the two. A purpose
-- without a choice on record has empty rates. The consent filters narrow the decisions first.
WITH at_end AS (
    SELECT * FROM standing_consent($end, $purposes, $channels, $regions)
),
before_start AS (
    SELECT * FROM standing_consent($start::DATE - 1, $purposes, $channels, $regions)
)
SELECT p.purpose,
       coalesce(e.standing_subjects, 0) AS standing_subjects,
       coalesce(e.standing_opt_ins, 0) AS standing_opt_ins,
       standing_opt_in_rate(e.standing_opt_ins, e.standing_subjects) AS standing_opt_in_rate,
       coalesce(b.standing_subjects, 0) AS standing_subjects_before,
       coalesce(b.standing_opt_ins, 0) AS standing_opt_ins_before,
       standing_opt_in_rate(b.standing_opt_ins, b.standing_subjects) AS standing_opt_in_rate_before,
       rate_change(standing_opt_in_rate(e.standing_opt_ins, e.standing_subjects),
                   standing_opt_in_rate(b.standing_opt_ins, b.standing_subjects)) AS standing_opt_in_change
FROM purposes p
LEFT JOIN at_end e USING (purpose)
LEFT JOIN before_start b USING (purpose)
WHERE p.basis = 'consent'
ORDER BY p.rowid;

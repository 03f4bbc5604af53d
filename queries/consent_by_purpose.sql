-- Consent per purpose (metrics.md "Consent"): the choices made in the range and the standing
-- consent at the end of the range's last day. Acknowledgements never count for these rates.
-- The purpose, channel and region filters narrow the decisions before anything is counted;
-- a decision without a channel or region matches the filter value 'unknown'.
WITH made_in_range AS (
    SELECT purpose,
           coalesce(sum(choices) FILTER (decision = 'opt_in'), 0)::BIGINT AS opt_ins,
           coalesce(sum(choices) FILTER (decision = 'opt_out'), 0)::BIGINT AS opt_outs
    FROM consent_choice_counts($start, $end, $purposes, $channels, $regions)
    GROUP BY purpose
),
standing AS (
    SELECT purpose,
           sum(new_subjects)::BIGINT AS standing_subjects,
           sum(opt_in_change)::BIGINT AS standing_opt_ins
    FROM consent_changes($end, $purposes, $channels, $regions)
    GROUP BY purpose
)
SELECT purpose,
       coalesce(m.opt_ins, 0) AS opt_ins,
       coalesce(m.opt_outs, 0) AS opt_outs,
       opt_in_rate(m.opt_ins, m.opt_outs) AS decision_opt_in_rate,
       coalesce(s.standing_subjects, 0) AS standing_subjects,
       coalesce(s.standing_opt_ins, 0) AS standing_opt_ins,
       standing_opt_in_rate(s.standing_opt_ins, s.standing_subjects) AS standing_opt_in_rate
FROM made_in_range m
FULL OUTER JOIN standing s USING (purpose)
ORDER BY purpose;

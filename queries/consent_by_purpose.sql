-- Consent per purpose (metrics.md "Consent"): the choices made in the range and the standing
-- consent at the end of the range's last day. Acknowledgements never count for these rates.
-- The purpose, channel and region filters narrow the decisions before anything is counted;
-- a decision without a channel or region matches the filter value 'unknown'.
WITH choices AS (
    SELECT subject_id, occurred_at, purpose, decision
    FROM consent
    WHERE decision IN ('opt_in', 'opt_out')
      AND occurred_at < $end + 1
      AND selected(purpose, $purposes)
      AND selected(channel, $channels)
      AND selected(region, $regions)
),
made_in_range AS (
    SELECT purpose,
           count(*) FILTER (decision = 'opt_in') AS opt_ins,
           count(*) FILTER (decision = 'opt_out') AS opt_outs
    FROM choices
    WHERE occurred_at >= $start
    GROUP BY purpose
),
latest_choice AS (
    -- Each subject's last word on each purpose; at one instant an opt-out outranks an opt-in.
    SELECT purpose, decision
    FROM choices
    QUALIFY row_number() OVER (
        PARTITION BY subject_id, purpose ORDER BY occurred_at DESC, decision = 'opt_out' DESC) = 1
),
standing AS (
    SELECT purpose,
           count(*) AS standing_subjects,
           count(*) FILTER (decision = 'opt_in') AS standing_opt_ins
    FROM latest_choice
    GROUP BY purpose
)
SELECT purpose,
       coalesce(m.opt_ins, 0) AS opt_ins,
       coalesce(m.opt_outs, 0) AS opt_outs,
       round(m.opt_ins / nullif(m.opt_ins + m.opt_outs, 0), 4) AS decision_opt_in_rate,
       coalesce(s.standing_subjects, 0) AS standing_subjects,
       coalesce(s.standing_opt_ins, 0) AS standing_opt_ins,
       round(s.standing_opt_ins / nullif(s.standing_subjects, 0), 4) AS standing_opt_in_rate
FROM made_in_range m
FULL OUTER JOIN standing s USING (purpose)
ORDER BY purpose;

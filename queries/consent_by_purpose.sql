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
    SELECT * FROM standing_consent($end, $purposes, $channels, $regions)
)
SELECT purpose, unnest(consent_figures(m.opt_ins, m.opt_outs, s.standing_subjects, s.standing_opt_ins))
FROM made_in_range m
FULL OUTER JOIN standing s USING (purpose)
ORDER BY purpose;

-- Choices per purpose and region over the range (metrics.md "Consent": opt_ins, opt_outs and
-- decision_opt_in_rate, acknowledgements excluded). A decision without a region is shown as 'unknown',
-- and the purpose, channel and region filters match it under that name.
WITH choices AS (
    SELECT purpose, coalesce(region, 'unknown') AS region, decision, choices
    FROM consent_choice_counts($start, $end, $purposes, $channels, $regions)
)
SELECT purpose,
       region,
       coalesce(sum(choices) FILTER (decision = 'opt_in'), 0)::BIGINT AS opt_ins,
       coalesce(sum(choices) FILTER (decision = 'opt_out'), 0)::BIGINT AS opt_outs,
       opt_in_rate(coalesce(sum(choices) FILTER (decision = 'opt_in'), 0),
                   coalesce(sum(choices) FILTER (decision = 'opt_out'), 0)) AS decision_opt_in_rate
FROM choices
GROUP BY purpose, region
ORDER BY purpose, region;

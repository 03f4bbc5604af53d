-- Choices per purpose and channel over the range (metrics.md "Consent": opt_ins, opt_outs and
-- decision_opt_in_rate, acknowledgements excluded). A decision without a channel is shown as 'unknown',
-- and the purpose, channel and region filters match it under that name.
WITH choices AS (
    SELECT purpose, coalesce(channel, 'unknown') AS channel, decision
    FROM consent_choices($end, $purposes, $channels, $regions)
    WHERE occurred_at >= $start
)
SELECT purpose,
       channel,
       count(*) FILTER (decision = 'opt_in') AS opt_ins,
       count(*) FILTER (decision = 'opt_out') AS opt_outs,
       round(count(*) FILTER (decision = 'opt_in') / count(*), 4) AS decision_opt_in_rate
FROM choices
GROUP BY purpose, channel
ORDER BY purpose, channel;

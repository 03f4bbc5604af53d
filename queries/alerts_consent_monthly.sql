-- The monthly opt-in rate of choices the consent-drop alert tests (alerts.py; metrics.md "Consent", opt-in rate of
-- choices): per calendar month from $start to $end and purpose, the opt-ins and the choices (opt-ins plus
-- opt-outs), in all (breakdown 'all', value '') and per channel and per region ('channel' or 'region', the key in
-- `value`; 'unknown' where a decision has none). No page filter applies: a rule watches every purpose and cell.
SELECT strftime(day, '%Y-%m') AS month,
       purpose,
       CASE WHEN grouping(channel) = 0 THEN 'channel' WHEN grouping(region) = 0 THEN 'region' ELSE 'all' END
           AS breakdown,
       coalesce(channel, region, '') AS value,
       coalesce(sum(choices) FILTER (decision = 'opt_in'), 0)::BIGINT AS opt_ins,
       choices_of(sum(choices) FILTER (decision = 'opt_in'), sum(choices) FILTER (decision = 'opt_out')) AS choices
FROM (
    SELECT day, purpose, coalesce(channel, 'unknown') AS channel, coalesce(region, 'unknown') AS region, decision,
           choices
    FROM consent_choice_counts($start, $end, NULL, NULL, NULL)
)
GROUP BY GROUPING SETS ((month, purpose), (month, purpose, channel), (month, purpose, region))
ORDER BY purpose, breakdown, value, month;

-- Choices per purpose and region over the range (metrics.md "Consent": opt_ins, opt_outs and
-- decision_opt_in_rate, acknowledgements excluded). A decision without a region is shown as 'unknown',
-- and the purpose, channel and region filters match it under that name.
SELECT purpose, breakdown_value AS region, opt_ins, opt_outs, choices, decision_opt_in_rate
FROM choices_by('region', $start, $end, $purposes, $channels, $regions)
ORDER BY purpose, region;

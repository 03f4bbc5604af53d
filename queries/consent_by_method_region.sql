-- Opt-out signals per purpose and region (metrics.md "Consent", opt-outs by method; measures.sql choices_by_method
-- and gpc_share): as consent_by_method, within the region of the person choosing ('unknown' where none is recorded;
-- the region filter matches it under that name). No row when no choice of the range records a method.
SELECT purpose, breakdown_value AS region, method, opt_ins, opt_outs, all_opt_outs, gpc_opt_outs, gpc_share
FROM choices_by_method('region', $start, $end, $purposes, $channels, $regions)
ORDER BY purpose, region, method;

-- Opt-out signals per purpose (metrics.md "Consent", opt-outs by method; measures.sql choices_by_method and
-- gpc_share): the opt-ins and opt-outs made in the range by each method (how the choice was made: a GPC signal, the
-- banner, the preference centre, ...; 'not_recorded' where the export gave none), and on each row the purpose's
-- opt-outs, those by GPC signal and their share. Under the pages' consent filters. No row when no choice of the
-- range records a method.
SELECT purpose, method, opt_ins, opt_outs, all_opt_outs, gpc_opt_outs, gpc_share
FROM choices_by_method('purpose', $start, $end, $purposes, $channels, $regions)
ORDER BY purpose, method;

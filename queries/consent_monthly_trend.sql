-- Consent per calendar month of the range and purpose (metrics.md "Consent", monthly trend): the
-- choices made that month (within the range) and the standing consent at the month's last day, or at
-- the end of the range for its last, partial month. Filters narrow the decisions first, as in
-- consent_by_purpose; every listed purpose has a row in every month, so a chart has no holes.
WITH months AS (
    SELECT month, as_of AS standing_at
    FROM range_months($start, $end)
),
made_in_month AS (
    SELECT strftime(day, '%Y-%m') AS month, purpose,
           coalesce(sum(choices) FILTER (decision = 'opt_in'), 0)::BIGINT AS opt_ins,
           coalesce(sum(choices) FILTER (decision = 'opt_out'), 0)::BIGINT AS opt_outs
    FROM consent_choice_counts($start, $end, $purposes, $channels, $regions)
    GROUP BY ALL
),
standing_by_day AS (
    SELECT purpose, day,
           (sum(new_subjects) OVER running)::BIGINT AS standing_subjects,
           (sum(opt_in_change) OVER running)::BIGINT AS standing_opt_ins
    FROM consent_changes($end, $purposes, $channels, $regions)
    WINDOW running AS (PARTITION BY purpose ORDER BY day)
),
listed_purposes AS (
    SELECT purpose FROM made_in_month
    UNION
    SELECT purpose FROM standing_by_day
),
month_grid AS (
    SELECT months.month, months.standing_at, listed_purposes.purpose
    FROM months CROSS JOIN listed_purposes
),
standing AS (
    SELECT g.month, g.purpose, s.standing_subjects, s.standing_opt_ins
    FROM month_grid g
    ASOF LEFT JOIN standing_by_day s ON g.purpose = s.purpose AND g.standing_at >= s.day
)
SELECT month, purpose, unnest(consent_figures(m.opt_ins, m.opt_outs, s.standing_subjects, s.standing_opt_ins))
FROM standing s
LEFT JOIN made_in_month m USING (month, purpose)
ORDER BY month, purpose;

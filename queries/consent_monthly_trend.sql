-- Consent per calendar month of the range and purpose (metrics.md "Consent", monthly trend): the
-- choices made that month (within the range) and the standing consent at the month's last day, or at
-- the end of the range for its last, partial month. Filters narrow the decisions first, as in
-- consent_by_purpose; every listed purpose has a row in every month, so a chart has no holes.
WITH choices AS (
    SELECT subject_id, occurred_at, purpose, decision
    FROM consent
    WHERE decision IN ('opt_in', 'opt_out')
      AND occurred_at < $end + 1
      AND selected(purpose, $purposes)
      AND selected(channel, $channels)
      AND selected(region, $regions)
),
months AS (
    SELECT strftime(month_start, '%Y-%m') AS month,
           least(last_day(month_start), $end)::DATE AS standing_at
    FROM range(date_trunc('month', $start)::TIMESTAMP,
               date_trunc('month', $end)::TIMESTAMP + INTERVAL 1 MONTH,
               INTERVAL 1 MONTH) AS t(month_start)
),
made_in_month AS (
    SELECT strftime(occurred_at, '%Y-%m') AS month, purpose,
           count(*) FILTER (decision = 'opt_in') AS opt_ins,
           count(*) FILTER (decision = 'opt_out') AS opt_outs
    FROM choices
    WHERE occurred_at >= $start
    GROUP BY ALL
),
-- Standing consent moves only on days a subject decides: take each subject's final state per
-- purpose and day (an opt-out outranks an opt-in at one instant), turn the days it changes into
-- changes of the counts, and add those up to each month's end.
final_state_of_day AS (
    SELECT subject_id, purpose, occurred_at::DATE AS day, decision = 'opt_in' AS opted_in
    FROM choices
    QUALIFY row_number() OVER (
        PARTITION BY subject_id, purpose, occurred_at::DATE
        ORDER BY occurred_at DESC, decision = 'opt_out' DESC) = 1
),
state_changes AS (
    SELECT purpose, day, opted_in,
           lag(opted_in) OVER (PARTITION BY subject_id, purpose ORDER BY day) AS was_opted_in
    FROM final_state_of_day
),
daily_changes AS (
    SELECT purpose, day,
           count(*) FILTER (was_opted_in IS NULL) AS new_subjects,
           count(*) FILTER (opted_in AND was_opted_in IS DISTINCT FROM true)
             - count(*) FILTER (NOT opted_in AND was_opted_in) AS opt_in_change
    FROM state_changes
    GROUP BY ALL
),
standing_by_day AS (
    SELECT purpose, day,
           (sum(new_subjects) OVER running)::BIGINT AS standing_subjects,
           (sum(opt_in_change) OVER running)::BIGINT AS standing_opt_ins
    FROM daily_changes
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
SELECT month,
       purpose,
       coalesce(m.opt_ins, 0) AS opt_ins,
       coalesce(m.opt_outs, 0) AS opt_outs,
       round(m.opt_ins / nullif(m.opt_ins + m.opt_outs, 0), 4) AS decision_opt_in_rate,
       coalesce(s.standing_subjects, 0) AS standing_subjects,
       coalesce(s.standing_opt_ins, 0) AS standing_opt_ins,
       round(s.standing_opt_ins / nullif(s.standing_subjects, 0), 4) AS standing_opt_in_rate
FROM standing s
LEFT JOIN made_in_month m USING (month, purpose)
ORDER BY month, purpose;

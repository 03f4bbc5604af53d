-- The monthly version mix (metrics.md "Policy versions"): for each calendar month of the range and
-- each version, the subjects whose current version it is at the month's last day (at the end of the
-- range for its last, partial month) and their share of all subjects with a current version.
-- Filters narrow the consent rows considered, as in policy_versions.
WITH catalogue AS (
    SELECT policy_version, effective_date
    FROM policy_catalogue
),
months AS (
    SELECT month, as_of
    FROM range_months($start, $end)
),
subjects_by_day AS (
    SELECT policy_version, day,
           (sum(change) OVER (PARTITION BY policy_version ORDER BY day))::BIGINT AS subjects_current
    FROM policy_version_changes($end, $purposes, $channels, $regions)
),
month_grid AS (
    SELECT months.month, months.as_of, catalogue.policy_version, catalogue.effective_date
    FROM months CROSS JOIN catalogue
),
mix AS (
    SELECT g.month, g.policy_version, g.effective_date, coalesce(s.subjects_current, 0) AS subjects_current
    FROM month_grid g
    ASOF LEFT JOIN subjects_by_day s ON g.policy_version = s.policy_version AND g.as_of >= s.day
    -- Versions not yet in force at that month's end are left out unless someone is already on them.
    WHERE g.effective_date <= g.as_of OR s.subjects_current > 0
)
SELECT month,
       policy_version,
       subjects_current,
       (sum(subjects_current) OVER (PARTITION BY month))::BIGINT AS people_with_version,
       version_share(subjects_current, people_with_version) AS share_current
FROM mix
ORDER BY month, policy_version;

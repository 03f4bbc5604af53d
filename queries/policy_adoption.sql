-- Adoption of each policy version (metrics.md "Policy versions"): by days since its effective date,
-- up to the end of the range, the share of subjects with a current version whose current version is
-- that one or a later one. "Later" orders versions by effective date, then by version key, the order
-- of the current-version tie rule. Filters narrow the consent rows considered, as in policy_versions.
-- Every day is a point for the first weeks, then points are spaced (weekly or wider) so that all
-- versions together stay under 5,000 rows; the last day, the end of the range, is always a point.
WITH catalogue AS (
    SELECT policy_version, effective_date
    FROM policy_catalogue
),
version_order AS (
    SELECT policy_version, effective_date,
           row_number() OVER (ORDER BY effective_date, policy_version) AS position
    FROM catalogue
),
daily_changes AS (
    SELECT o.position, c.day, c.change
    FROM policy_version_changes($end, $purposes, $channels, $regions) c
    JOIN version_order o USING (policy_version)
),
subjects_with_version_by_day AS (
    -- Every subject keeps a current version from their first row on: the changes of all versions
    -- add up to the number of subjects with one.
    SELECT day, (sum(sum(change)) OVER (ORDER BY day))::BIGINT AS subjects
    FROM daily_changes
    GROUP BY day
),
adopted_by_day AS (
    -- Subjects on a version at or after each version's position.
    SELECT v.policy_version, d.day,
           (sum(sum(d.change)) OVER (PARTITION BY v.policy_version ORDER BY d.day))::BIGINT AS subjects
    FROM version_order v
    JOIN daily_changes d ON d.position >= v.position
    GROUP BY v.policy_version, d.day
),
in_force AS (
    SELECT policy_version, effective_date, ($end - effective_date)::BIGINT AS days_in_force
    FROM version_order
    WHERE effective_date <= $end
),
spacing AS (
    -- Daily points for 60 days (fewer when there are many versions), then every `stride` days,
    -- at least a week, so the points beyond the daily ones stay near 2,500 in all.
    SELECT daily_days,
           greatest(7, ceil(sum(greatest(days_in_force - daily_days, 0)) / 2500))::BIGINT AS stride
    FROM (SELECT least(60, 1500 // greatest(count(*), 1))::BIGINT AS daily_days FROM in_force),
         in_force
    GROUP BY daily_days
),
points AS (
    SELECT f.policy_version, f.effective_date, k AS days_since_effective,
           (f.effective_date + k::INTEGER)::DATE AS as_of
    FROM in_force f, spacing s, unnest(generate_series(0, f.days_in_force)) AS t(k)
    WHERE k <= s.daily_days OR (k - s.daily_days) % s.stride = 0 OR k = f.days_in_force
),
shares AS (
    SELECT p.policy_version, p.effective_date, p.days_since_effective, p.as_of,
           coalesce(a.subjects, 0) AS subjects_adopted
    FROM points p
    ASOF LEFT JOIN adopted_by_day a ON p.policy_version = a.policy_version AND p.as_of >= a.day
)
SELECT s.policy_version,
       s.effective_date,
       s.days_since_effective,
       s.as_of,
       s.subjects_adopted,
       coalesce(t.subjects, 0) AS subjects_with_version,
       version_share(s.subjects_adopted, t.subjects) AS adoption_share
FROM shares s
ASOF LEFT JOIN subjects_with_version_by_day t ON s.as_of >= t.day
ORDER BY s.policy_version, s.days_since_effective;

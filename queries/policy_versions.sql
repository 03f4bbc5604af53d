-- Policy versions at the end of the range (metrics.md "Policy versions"): each catalogue version
-- with the subjects whose current version it is, their share of all subjects with a current
-- version, and which version is the latest in force. The purpose, channel and region filters narrow
-- the consent rows considered; the catalogue itself always looks at the whole store.
WITH catalogue AS (
    SELECT policy_version, effective_date, title
    FROM policy_catalogue
),
on_version AS (
    SELECT policy_version, sum(change)::BIGINT AS subjects_current
    FROM policy_version_changes($end, $purposes, $channels, $regions)
    GROUP BY policy_version
),
people AS (
    SELECT coalesce(sum(subjects_current), 0)::BIGINT AS people_with_version
    FROM on_version
),
latest_version AS (
    SELECT policy_version
    FROM catalogue
    WHERE effective_date <= $end
    ORDER BY effective_date DESC, policy_version DESC
    LIMIT 1
)
SELECT v.policy_version,
       v.effective_date,
       v.title,
       coalesce(o.subjects_current, 0) AS subjects_current,
       people.people_with_version,
       version_share(coalesce(o.subjects_current, 0), people.people_with_version) AS share_current,
       coalesce(v.policy_version = (SELECT policy_version FROM latest_version), false) AS is_latest
FROM catalogue v
CROSS JOIN people
LEFT JOIN on_version o USING (policy_version)
-- Versions not yet in force at the end are left out unless someone is already on them.
WHERE v.effective_date <= $end OR o.subjects_current > 0
ORDER BY v.policy_version;

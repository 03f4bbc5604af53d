-- Policy versions at the end of the range (metrics.md "Policy versions"): each catalogue version
-- with the subjects whose current version it is, their share of all subjects with a current
-- version, and which version is the latest in force. The purpose, channel and region filters narrow
-- the consent rows considered; the catalogue itself always looks at the whole store.
WITH catalogue AS (
    SELECT policy_version, effective_date, title
    FROM policy_catalogue
),
current_version AS (
    -- Each subject's latest row with a known version; at one instant the version with the later
    -- effective date wins, then the greater version key.
    SELECT c.subject_id, c.policy_version
    FROM consent c
    JOIN catalogue v USING (policy_version)
    WHERE c.occurred_at < $end + 1
      AND selected(c.purpose, $purposes)
      AND selected(c.channel, $channels)
      AND selected(c.region, $regions)
    QUALIFY row_number() OVER (
        PARTITION BY c.subject_id
        ORDER BY c.occurred_at DESC, v.effective_date DESC, c.policy_version DESC) = 1
),
on_version AS (
    SELECT policy_version, count(*) AS subjects_current
    FROM current_version
    GROUP BY policy_version
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
       round(coalesce(o.subjects_current, 0) / nullif((SELECT count(*) FROM current_version), 0), 4)
           AS share_current,
       coalesce(v.policy_version = (SELECT policy_version FROM latest_version), false) AS is_latest
FROM catalogue v
LEFT JOIN on_version o USING (policy_version)
-- Versions not yet in force at the end are left out unless someone is already on them.
WHERE v.effective_date <= $end OR o.subjects_current > 0
ORDER BY v.policy_version;

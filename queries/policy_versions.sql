-- Policy versions at the end of the range (metrics.md "Policy versions"): each catalogue version
-- with the subjects whose current version it is, their share of all subjects with a current
-- version, and which version is the latest in force. The purpose, channel and region filters narrow
-- the consent rows considered; the catalogue itself always looks at the whole store.
WITH catalogue AS (
    -- The uploaded catalogue; a version missing from it takes the UTC date of its earliest consent
    -- row. 'unknown' means the export named no version, so it is never a catalogue entry.
    SELECT policy_version, effective_date, title
    FROM policies
    WHERE policy_version <> 'unknown'
    UNION ALL
    SELECT policy_version, min(occurred_at)::DATE AS effective_date, NULL AS title
    FROM consent
    WHERE policy_version <> 'unknown'
      AND policy_version NOT IN (SELECT policy_version FROM policies)
    GROUP BY policy_version
),
current_version AS (
    -- Each subject's latest row with a known version; at one instant the version with the later
    -- effective date wins, then the greater version key.
    SELECT c.subject_id, c.policy_version
    FROM consent c
    JOIN catalogue v USING (policy_version)
    WHERE c.occurred_at < $end + 1
      AND ($purposes IS NULL OR list_contains($purposes::VARCHAR[], c.purpose))
      AND ($channels IS NULL OR list_contains($channels::VARCHAR[], coalesce(c.channel, 'unknown')))
      AND ($regions IS NULL OR list_contains($regions::VARCHAR[], coalesce(c.region, 'unknown')))
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

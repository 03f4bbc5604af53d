-- The markers of a trend chart (Definitions, "Markers on the charts"): every policy version of the policies file
-- taking effect in the span, and every team event of the events file (bound as lists, one entry per event) in the
-- span whose purpose, channel and region are each empty or among the filter's choices. A version only seen in
-- consent records has no stated effective date, so it has no marker.
WITH team AS (
    SELECT unnest($event_dates::DATE[]) AS day,
           unnest($event_labels::VARCHAR[]) AS label,
           unnest($event_purposes::VARCHAR[]) AS purpose,
           unnest($event_channels::VARCHAR[]) AS channel,
           unnest($event_regions::VARCHAR[]) AS region
)
SELECT effective_date AS day, 'Policy ' || policy_version || ' in force' AS label, 'policy' AS kind
FROM policies
WHERE policy_version <> 'unknown'
  AND effective_date BETWEEN $start AND $end
UNION ALL
SELECT day, label, 'team' AS kind
FROM team
WHERE day BETWEEN $start AND $end
  AND (purpose IS NULL OR selected(purpose, $purposes))
  AND (channel IS NULL OR selected(channel, $channels))
  AND (region IS NULL OR selected(region, $regions))
ORDER BY day, kind, label;

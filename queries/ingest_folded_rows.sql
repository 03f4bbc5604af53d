-- The good consent rows that repeat an earlier row's derived event (same subject, instant, purpose, decision and
-- version) under another spelling of the purpose: services folded into one purpose (Usercentrics' Google Ads and
-- YouTube at one click, both marketing), one decision rather than copies.
SELECT coalesce(sum(spellings - 1), 0) AS folded
FROM (
    SELECT count(DISTINCT purpose_text) AS spellings FROM staged
    WHERE reject_reason IS NULL AND starts_with(event_id, 'd_')
    GROUP BY event_id
    HAVING count(DISTINCT purpose_text) > 1
);

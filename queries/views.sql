-- Views over the stored rows that several metrics share: one definition of a request's due date.

-- Each current request with the figures every request metric reads: its dates, days_to_close,
-- and due_date from the deadline table (the rule naming its type wins over the jurisdiction's
-- catch-all row; a jurisdiction missing from the table takes the 'unspecified' rule).
CREATE OR REPLACE VIEW request_facts AS
WITH ranked_rules AS (
    SELECT r.request_id, r.request_type, d.deadline, d.deadline_unit, d.extension, d.extension_unit,
           row_number() OVER (
               PARTITION BY r.request_id, r.request_type
               ORDER BY (d.jurisdiction = r.jurisdiction) DESC, (d.request_types IS NOT NULL) DESC
           ) AS rule_rank
    FROM requests r
    JOIN deadlines d
      ON (d.jurisdiction = r.jurisdiction OR d.jurisdiction = 'unspecified')
     AND (d.request_types IS NULL OR list_contains(d.request_types, r.request_type))
)
SELECT r.*,
       r.received_at::DATE AS received_date,
       r.closed_at::DATE AS closed_date,
       CASE WHEN r.status IN ('completed', 'denied') AND r.closed_at IS NOT NULL
            THEN r.closed_at::DATE - r.received_at::DATE END AS days_to_close,
       CASE WHEN r.extended AND rule.extension > 0 AND rule.extension_unit = rule.deadline_unit
            THEN add_deadline(r.received_at, rule.deadline + rule.extension, rule.deadline_unit)
            WHEN r.extended AND rule.extension > 0
            THEN add_deadline(add_deadline(r.received_at, rule.deadline, rule.deadline_unit),
                              rule.extension, rule.extension_unit)
            ELSE add_deadline(r.received_at, rule.deadline, rule.deadline_unit)
       END AS due_date,
       rule.deadline,
       rule.deadline_unit
FROM requests r
LEFT JOIN ranked_rules rule
  ON rule.request_id = r.request_id AND rule.request_type = r.request_type AND rule.rule_rank = 1;

-- The policy catalogue of metrics.md: the uploaded versions, and for a version missing from them
-- the UTC date of its earliest consent row over the whole store. 'unknown' means the export named
-- no version, so it is never a catalogue entry.
CREATE OR REPLACE VIEW policy_catalogue AS
SELECT policy_version, effective_date, title
FROM policies
WHERE policy_version <> 'unknown'
UNION ALL
SELECT policy_version, min(occurred_at)::DATE AS effective_date, NULL AS title
FROM consent
WHERE policy_version <> 'unknown'
  AND policy_version NOT IN (SELECT policy_version FROM policies)
GROUP BY policy_version;

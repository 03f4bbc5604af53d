-- Views over the stored rows that several metrics share: one definition of a request's due date.

-- Each current request with the figures every request metric reads: its dates, days_to_close,
-- and due_date from the deadline table (the rule naming its type wins over the jurisdiction's
-- catch-all row; a jurisdiction missing from the table takes the 'unspecified' rule); its denial_reason as
-- the export wrote it and, for a denied request with a reason, denial_category (macros.sql, denial_category).
-- summaries.py keeps a copy in request_fact_rows, refreshed when requests, deadlines or the denial-reason
-- phrases change.
CREATE OR REPLACE VIEW request_facts_computed AS
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
SELECT r.* EXCLUDE (denial_reason),
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
       rule.deadline_unit,
       r.denial_reason,
       denial_category(r.status, r.denial_reason) AS denial_category
FROM requests r
LEFT JOIN ranked_rules rule
  ON rule.request_id = r.request_id AND rule.request_type = r.request_type AND rule.rule_rank = 1;

-- The one switch between the summaries the store keeps (summaries.py) and the raw rows: each summary is read through
-- a view below that takes the kept table when from_summaries() holds and its `_computed` view (the same rows,
-- computed from the raw rows) when it does not; the macros that follow subjects' histories test the same
-- predicate (history_summary). A connection computes from the rows with SET VARIABLE straightforward = true
-- (queries.run_query's `straightforward`): the reference the tests and the benchmark check the summaries against.
-- query_table binds the one table chosen, so a query plans as if it named it.
CREATE OR REPLACE MACRO from_summaries() AS NOT coalesce(getvariable('straightforward'), false);

-- Consent rows per day, purpose, channel, region and decision (summary consent_daily).
CREATE OR REPLACE VIEW consent_daily_computed AS
SELECT occurred_at::DATE AS day, purpose, channel, region, decision, count(*) AS events
FROM consent
GROUP BY ALL;
CREATE OR REPLACE VIEW consent_day_counts AS
SELECT day, purpose, channel, region, decision, events
FROM query_table(CASE WHEN from_summaries() THEN 'consent_daily' ELSE 'consent_daily_computed' END);

-- A filter's value on a consent row, as the per-value summaries are kept: the channel or region
-- ('unknown' where the row has none, the name the filters choose it by) or the purpose; '' when
-- slice_by is NULL (one history per subject).
CREATE OR REPLACE MACRO slice_value(slice_by, purpose, channel, region) AS
    CASE slice_by WHEN 'channel' THEN coalesce(channel, 'unknown') WHEN 'region' THEN coalesce(region, 'unknown')
                  WHEN 'purpose' THEN purpose ELSE '' END;

-- Which kept summary answers a figure that follows each subject's history, for these filters: 'all'
-- when no filter is set, the filter's name ('purpose', 'channel', 'region') when one value of one
-- filter is, else NULL: computed from the rows, as it always is when `straightforward` is set. The
-- one switch between the summaries and the rows.
CREATE OR REPLACE MACRO history_summary(purposes, channels, regions) AS CASE
    WHEN NOT from_summaries() THEN NULL
    WHEN purposes IS NULL AND channels IS NULL AND regions IS NULL THEN 'all'
    WHEN channels IS NULL AND regions IS NULL AND len(list_distinct(purposes::VARCHAR[])) = 1 THEN 'purpose'
    WHEN purposes IS NULL AND regions IS NULL AND len(list_distinct(channels::VARCHAR[])) = 1 THEN 'channel'
    WHEN purposes IS NULL AND channels IS NULL AND len(list_distinct(regions::VARCHAR[])) = 1 THEN 'region'
END;

-- Consent rows per policy version and day (summary consent_version_days).
CREATE OR REPLACE VIEW consent_version_days_computed AS
SELECT policy_version, occurred_at::DATE AS day, count(*) AS events
FROM consent
GROUP BY ALL;
CREATE OR REPLACE VIEW consent_version_day_counts AS
SELECT policy_version, day, events
FROM query_table(CASE WHEN from_summaries() THEN 'consent_version_days' ELSE 'consent_version_days_computed' END);

-- The request facts every request metric reads (summary request_fact_rows).
CREATE OR REPLACE VIEW request_facts AS
SELECT * FROM query_table(CASE WHEN from_summaries() THEN 'request_fact_rows' ELSE 'request_facts_computed' END);

-- The policy catalogue of metrics.md: the uploaded versions, and for a version missing from them
-- the UTC date of its earliest consent row over the whole store. 'unknown' means the export named
-- no version, so it is never a catalogue entry. (consent_version_days counts the consent rows per
-- version and day, kept by summaries.py.)
CREATE OR REPLACE VIEW policy_catalogue AS
SELECT policy_version, effective_date, title
FROM policies
WHERE policy_version <> 'unknown'
UNION ALL
SELECT policy_version, min(day) AS effective_date, NULL AS title
FROM consent_version_day_counts
WHERE policy_version <> 'unknown'
  AND policy_version NOT IN (SELECT policy_version FROM policies)
GROUP BY policy_version;

-- The choices (opt_in and opt_out; acknowledgements never count for rates) per day, purpose,
-- channel, region and decision from start_day to the end of end_day, that the page's filters keep.
-- A missing channel or region is chosen as 'unknown'. From the daily counts the store keeps, or
-- straight from the rows.
CREATE OR REPLACE MACRO consent_choice_counts(start_day, end_day, purposes, channels, regions) AS TABLE
SELECT day, purpose, channel, region, decision, events AS choices
FROM consent_day_counts
WHERE decision IN ('opt_in', 'opt_out')
  AND day BETWEEN start_day::DATE AND end_day::DATE
  AND selected(purpose, purposes) AND selected(channel, channels) AND selected(region, regions);

-- Standing consent moves only on days a subject decides. Per purpose and day up to the end of
-- end_day, over the consent rows of the table or view named `source`: how many subjects made their
-- first choice (new_subjects), and by how much the number of subjects whose latest choice is opt_in
-- changed (opt_in_change). A subject's state on a day is their last choice of that day; at one
-- instant an opt-out outranks an opt-in. Summing these up to a day gives standing_subjects and
-- standing_opt_ins at its end. The filters narrow the choices first.
-- With slice_by ('channel' or 'region'), each subject's history is followed within each value of that
-- filter apart (slice): the figures a filter of that one value gives. Without it, dimension and slice are ''.
CREATE OR REPLACE MACRO consent_changes_of(source, end_day, purposes, channels, regions, slice_by := NULL) AS TABLE
WITH final_state_of_day AS (
    -- The choice with the latest instant, an opt-out before an opt-in at the same instant (an aggregate
    -- per subject and day: cheaper than numbering the rows of each).
    SELECT subject_id, purpose, slice_value(slice_by, purpose, channel, region) AS slice,
           occurred_at::DATE AS day,
           arg_max(decision = 'opt_in', struct_pack(instant := occurred_at, opt_out := decision = 'opt_out'))
               AS opted_in
    FROM query_table(source)
    WHERE decision IN ('opt_in', 'opt_out')
      AND occurred_at < end_day::DATE + 1
      AND selected(purpose, purposes) AND selected(channel, channels) AND selected(region, regions)
    GROUP BY ALL
),
state_changes AS (
    SELECT slice, purpose, day, opted_in,
           lag(opted_in) OVER (PARTITION BY slice, subject_id, purpose ORDER BY day) AS was_opted_in
    FROM final_state_of_day
)
SELECT coalesce(slice_by, '') AS dimension, slice, purpose, day,
       count(*) FILTER (was_opted_in IS NULL) AS new_subjects,
       count(*) FILTER (opted_in AND was_opted_in IS DISTINCT FROM true)
         - count(*) FILTER (NOT opted_in AND was_opted_in) AS opt_in_change
FROM state_changes
GROUP BY ALL;

-- The same for the whole store, from the per-day changes summaries.py keeps: consent_standing_days
-- holds every subject's whole history; consent_standing_slices holds the histories within one channel
-- or one region (a purpose filter leaves each purpose's history whole, so it only picks rows). Any
-- other channel or region filter (two values, or both filters) is computed from the rows.
CREATE OR REPLACE MACRO consent_changes(end_day, purposes, channels, regions) AS TABLE
SELECT purpose, day, new_subjects, opt_in_change
FROM consent_standing_days
WHERE history_summary(NULL, channels, regions) = 'all'
  AND day <= end_day::DATE AND selected(purpose, purposes)
UNION ALL
SELECT purpose, day, new_subjects, opt_in_change
FROM consent_standing_slices
WHERE dimension = history_summary(NULL, channels, regions)
  AND slice = coalesce(channels::VARCHAR[], regions::VARCHAR[])[1]
  AND day <= end_day::DATE AND selected(purpose, purposes)
UNION ALL
SELECT purpose, day, new_subjects, opt_in_change
FROM consent_changes_of('consent', end_day, purposes, channels, regions)
WHERE history_summary(NULL, channels, regions) IS NULL;

-- A subject's current policy version moves only on days they have a consent row with a known
-- version. Per version and day up to the end of end_day, over the consent rows of `source`: +1 for
-- each subject whose current version became this one, -1 for each who left it. A subject's version
-- on a day is that of their last row of the day; at one instant the version with the later
-- effective date wins, then the greater key. Summing up to a day gives subjects_current at its end;
-- summing every version gives everyone with a current version. The filters narrow the rows first.
-- With slice_by ('purpose', 'channel' or 'region'), each subject's history is followed within each value
-- of that filter apart (slice), as in consent_changes_of.
CREATE OR REPLACE MACRO policy_version_changes_of(source, end_day, purposes, channels, regions,
                                                  slice_by := NULL) AS TABLE
WITH version_at_end_of_day AS (
    -- The version of the latest row; at the same instant the later effective date, then the greater key.
    SELECT c.subject_id, slice_value(slice_by, c.purpose, c.channel, c.region) AS slice,
           c.occurred_at::DATE AS day,
           arg_max(c.policy_version, struct_pack(instant := c.occurred_at, effective := v.effective_date,
                                                 version := c.policy_version)) AS policy_version
    FROM query_table(source) AS c
    JOIN policy_catalogue v USING (policy_version)
    WHERE c.occurred_at < end_day::DATE + 1
      -- A notice shown, or a default applied, puts nobody on a version (data.md, `shown`).
      AND c.decision <> 'shown'
      AND selected(c.purpose, purposes)
      AND selected(c.channel, channels)
      AND selected(c.region, regions)
    GROUP BY ALL
),
moves AS (
    SELECT slice, day, policy_version,
           lag(policy_version) OVER (PARTITION BY slice, subject_id ORDER BY day) AS previous_version
    FROM version_at_end_of_day
),
changes AS (
    SELECT slice, policy_version, day, 1 AS change
    FROM moves
    WHERE previous_version IS DISTINCT FROM policy_version
    UNION ALL
    SELECT slice, previous_version, day, -1 AS change
    FROM moves
    WHERE previous_version <> policy_version
)
SELECT coalesce(slice_by, '') AS dimension, slice, policy_version, day, sum(change)::BIGINT AS change
FROM changes
GROUP BY ALL;

-- The same for the whole store, from the per-day changes summaries.py keeps: policy_version_days
-- with no consent filter, policy_version_slices with one value of one filter (any filter narrows each
-- subject's history, which runs across purposes, channels and regions). Any other filter is computed
-- from the rows.
CREATE OR REPLACE MACRO policy_version_changes(end_day, purposes, channels, regions) AS TABLE
SELECT policy_version, day, change
FROM policy_version_days
WHERE history_summary(purposes, channels, regions) = 'all'
  AND day <= end_day::DATE
UNION ALL
SELECT policy_version, day, change
FROM policy_version_slices
WHERE dimension = history_summary(purposes, channels, regions)
  AND slice = coalesce(purposes::VARCHAR[], channels::VARCHAR[], regions::VARCHAR[])[1]
  AND day <= end_day::DATE
UNION ALL
SELECT policy_version, day, change
FROM policy_version_changes_of('consent', end_day, purposes, channels, regions)
WHERE history_summary(purposes, channels, regions) IS NULL;

-- The calendar months of a range (metrics.md, monthly figures): each month as 'YYYY-MM' and the day its
-- figures are taken at, the month's last day, or end_day for the last, partial month.
CREATE OR REPLACE MACRO range_months(start_day, end_day) AS TABLE
SELECT strftime(month_start, '%Y-%m') AS month,
       least(last_day(month_start), end_day::DATE)::DATE AS as_of
FROM range(date_trunc('month', start_day::DATE)::TIMESTAMP,
           date_trunc('month', end_day::DATE)::TIMESTAMP + INTERVAL 1 MONTH,
           INTERVAL 1 MONTH) AS t(month_start);

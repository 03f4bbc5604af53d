-- The measures of the metric definitions (metrics.md), each written once. Every query that shows one calls
-- its macro, the CCPA report included, so that a change of definition is an edit here that every page,
-- download, command and report follows. A rate is a fraction from 0 to 1 rounded to 4 decimals, NULL where
-- its denominator is 0; a day figure is rounded to 2 decimals (the pages show 1).

-- Small counts (metrics.md, "Small counts"): a line "-- small counts: RATE over COUNT[, COUNT]" beside a measure
-- says which column a figure names the measure and which count it is taken over; small_counts.py reads those
-- lines, and hides the measure wherever one of its counts is under min_cell. The counts themselves, each hidden
-- from 1 to min_cell - 1 wherever a figure shows it:
-- small counts: counts opt_ins, opt_outs, choices, standing_subjects, standing_opt_ins
-- small counts: counts standing_subjects_before, standing_opt_ins_before
-- small counts: counts received, completed, denied, withdrawn, open, closed, responded, complied
-- small counts: counts received_before, month_total, requests, type_closed, overdue_total
-- small counts: counts open_at_end, overdue, due_soon, on_track, due_soon_total, closed_last_30_days, projected_late
-- small counts: counts open_at_year_end, denied_identity_not_verified, denied_not_a_consumer, denied_exempt
-- small counts: counts denied_other, denied_without_reason, requests_in_report
-- small counts: counts requests_on_record, without_channel, closed_without_date, denied_requests, type_denied
-- small counts: counts people_shown, people_chose
-- small counts: counts subjects_current, people_with_version, subjects_adopted, subjects_with_version
-- small counts: counts opted_in, denominator
-- small counts: counts all_opt_outs, gpc_opt_outs

-- A part of a whole: the rule every rate and share follows.
CREATE OR REPLACE MACRO rate_of(part, whole) AS round(part / nullif(whole, 0), 4);

-- Opt-in rate of the choices made (metrics.md "Consent"): opt-ins / (opt-ins + opt-outs). An acknowledgement
-- is no choice and counts in neither.
-- small counts: decision_opt_in_rate over choices
CREATE OR REPLACE MACRO choices_of(opt_ins, opt_outs) AS (coalesce(opt_ins, 0) + coalesce(opt_outs, 0))::BIGINT;
CREATE OR REPLACE MACRO opt_in_rate(opt_ins, opt_outs) AS rate_of(opt_ins, choices_of(opt_ins, opt_outs));

-- Opt-in rate of the consent standing at a day's end: people whose latest choice is an opt-in / people with a
-- standing choice for the purpose.
-- small counts: standing_opt_in_rate over standing_subjects
-- small counts: standing_opt_in_rate_before over standing_subjects_before
CREATE OR REPLACE MACRO standing_opt_in_rate(opted_in, subjects) AS rate_of(opted_in, subjects);

-- The consent figures of a group (a purpose, a month): the choices made in it (0 where none) and their opt-in
-- rate, and the consent standing at its end and its opt-in rate. A query spreads them into columns with unnest.
CREATE OR REPLACE MACRO consent_figures(opt_ins, opt_outs, standing_subjects, standing_opt_ins) AS struct_pack(
    opt_ins := coalesce(opt_ins, 0)::BIGINT,
    opt_outs := coalesce(opt_outs, 0)::BIGINT,
    choices := choices_of(opt_ins, opt_outs),
    decision_opt_in_rate := opt_in_rate(opt_ins, opt_outs),
    standing_subjects := coalesce(standing_subjects, 0)::BIGINT,
    standing_opt_ins := coalesce(standing_opt_ins, 0)::BIGINT,
    standing_opt_in_rate := standing_opt_in_rate(standing_opt_ins, standing_subjects));

-- Notice reach (metrics.md "Consent", notice reach): of the people shown a notice for a purpose in a range, the share
-- who made no opt-in or opt-out choice for it in the range: (shown - chose) / shown.
-- small counts: no_choice_rate over people_shown
CREATE OR REPLACE MACRO no_choice_rate(people_shown, people_chose) AS rate_of(people_shown - people_chose, people_shown);

-- The change of a rate between two days, in fractions (the pages show it in points): NULL where either is.
-- small counts: standing_opt_in_change over standing_subjects, standing_subjects_before
CREATE OR REPLACE MACRO rate_change(rate, rate_before) AS round(rate - rate_before, 4);

-- Version shares (metrics.md "Policy versions"): of the people with a current version, those on one version
-- (share_current), or on a version at or after a new one (adoption_share).
-- small counts: share_current over people_with_version
-- small counts: adoption_share over subjects_with_version
CREATE OR REPLACE MACRO version_share(subjects, people_with_version) AS rate_of(subjects, people_with_version);

-- Days to close (metrics.md "Requests"), an aggregate over requests: median and mean of days_to_close, which
-- is set exactly for completed and denied requests that have a closed_at (the others are left out).
-- small counts: median_days_to_close over closed
-- small counts: mean_days_to_close over closed
-- small counts: median_days over responded
-- small counts: mean_days over responded
CREATE OR REPLACE MACRO median_days(days_to_close) AS round(median(days_to_close), 2);
CREATE OR REPLACE MACRO mean_days(days_to_close) AS round(avg(days_to_close), 2);

-- On-time rate, an aggregate over requests: those closed on or before their due date / those closed.
-- small counts: on_time_rate over closed
-- small counts: type_on_time_rate over type_closed
CREATE OR REPLACE MACRO on_time_rate(days_to_close, closed_date, due_date) AS
    rate_of(count(*) FILTER (days_to_close IS NOT NULL AND closed_date <= due_date), count(days_to_close));

-- The outcome of a group of requests (a type, a jurisdiction), an aggregate over their request facts: how many
-- were received, how many are in each latest known status, the closed ones (completed or denied with a
-- closed_at) the day figures and the on-time rate are taken over, and those figures. A query spreads them
-- into columns with unnest.
CREATE OR REPLACE MACRO request_outcomes(status, days_to_close, closed_date, due_date) AS struct_pack(
    received := count(*),
    completed := count(*) FILTER (status = 'completed'),
    denied := count(*) FILTER (status = 'denied'),
    withdrawn := count(*) FILTER (status = 'withdrawn'),
    open := count(*) FILTER (status = 'open'),
    closed := count(days_to_close),
    median_days_to_close := median_days(days_to_close),
    mean_days_to_close := mean_days(days_to_close),
    on_time_rate := on_time_rate(days_to_close, closed_date, due_date));

-- The newest data day (metrics.md "The date range"): the day of the newest consent decision or request
-- received; closing and policy dates do not move it. NULL when the store holds neither. The first data day
-- is where the "All data" preset starts.
CREATE OR REPLACE MACRO newest_data_day() AS
    greatest((SELECT max(day) FROM consent_day_counts), (SELECT max(received_at) FROM request_facts))::DATE;
CREATE OR REPLACE MACRO first_data_day() AS
    least((SELECT min(day) FROM consent_day_counts), (SELECT min(received_at) FROM request_facts))::DATE;

-- The requests of a range (metrics.md "Requests"): those received from start_day to end_day, both included,
-- under the pages' request filters (a NULL filter takes every value). A combined request is one per type.
CREATE OR REPLACE MACRO requests_received(start_day, end_day, request_types, jurisdictions, request_channels)
AS TABLE
    SELECT * FROM request_facts
    WHERE received_date BETWEEN start_day::DATE AND end_day::DATE
      AND selected(request_type, request_types)
      AND selected(jurisdiction, jurisdictions)
      AND selected(channel, request_channels);

-- Deadline health at the end of end_day (metrics.md "Requests", deadline health): the requests received on or
-- before end_day and still open at its end (closed after it whatever the final status, or open with no
-- closed_at; a closed status with no closed_at is never open), wherever in time they were received, under the
-- pages' request filters. A combined request is one per type. Each has days_left = due_date - end_day and a
-- health: 'overdue' when due before end_day, 'due_soon' when due from end_day to due_soon_days after it (both
-- included), 'on_track' when due later or without a due date.
CREATE OR REPLACE MACRO open_at_end(end_day, due_soon_days, request_types, jurisdictions, request_channels) AS TABLE
    SELECT *,
           due_date - end_day::DATE AS days_left,
           CASE WHEN due_date < end_day::DATE THEN 'overdue'
                WHEN due_date <= end_day::DATE + due_soon_days::INTEGER THEN 'due_soon'
                ELSE 'on_track' END AS health
    FROM request_facts
    WHERE received_date <= end_day::DATE
      AND (closed_at >= end_day::DATE + 1 OR (closed_at IS NULL AND status = 'open'))
      AND selected(request_type, request_types)
      AND selected(jurisdiction, jurisdictions)
      AND selected(channel, request_channels);

-- The counts of deadline health, an aggregate over open_at_end's rows.
CREATE OR REPLACE MACRO health_counts(health) AS struct_pack(
    open_at_end := count(*),
    overdue := count(*) FILTER (health = 'overdue'),
    due_soon := count(*) FILTER (health = 'due_soon'),
    on_track := count(*) FILTER (health = 'on_track'));

-- The open requests of one health at the end of end_day, for a list a person acts on: the 1,000 due first (the
-- longest overdue, or the soonest due), so that a page stays small however many there are; every row carries
-- how many there are in all (total).
CREATE OR REPLACE MACRO open_list(end_day, due_soon_days, wanted_health, request_types, jurisdictions,
                                  request_channels) AS TABLE
    SELECT request_id, request_type, jurisdiction, received_date AS received, due_date, days_left, channel,
           count(*) OVER () AS total
    FROM open_at_end(end_day, due_soon_days, request_types, jurisdictions, request_channels)
    WHERE health = wanted_health
    ORDER BY days_left, request_id, request_type
    LIMIT 1000;

-- The twelve calendar months to a day (metrics.md "Requests", trailing twelve months): the first day of the eleventh
-- month before the day's month. The window ends on the day itself.
CREATE OR REPLACE MACRO trailing_months_start(end_day) AS (date_trunc('month', end_day::DATE) - INTERVAL 11 MONTH)::DATE;

-- A count against the same count earlier (the Overview's "on the 12 before"): their difference, NULL where nothing was
-- counted before.
-- small counts: received_change over received, received_before
CREATE OR REPLACE MACRO count_change(count, count_before) AS CASE WHEN count_before > 0 THEN count - count_before END;

-- The consent standing at the end of end_day per purpose (metrics.md "Consent"): the people with an opt-in or opt-out
-- on record and those whose latest choice is an opt-in, under the pages' consent filters.
CREATE OR REPLACE MACRO standing_consent(end_day, purposes, channels, regions) AS TABLE
    SELECT purpose,
           sum(new_subjects)::BIGINT AS standing_subjects,
           sum(opt_in_change)::BIGINT AS standing_opt_ins
    FROM consent_changes(end_day, purposes, channels, regions)
    GROUP BY purpose;

-- The choices made in a range per purpose and one breakdown, 'channel' or 'region' ('unknown' where a decision
-- has none), under the pages' consent filters: opt-ins, opt-outs and their opt-in rate.
CREATE OR REPLACE MACRO choices_by(breakdown, start_day, end_day, purposes, channels, regions) AS TABLE
    SELECT purpose, breakdown_value, opt_ins, opt_outs, choices_of(opt_ins, opt_outs) AS choices,
           opt_in_rate(opt_ins, opt_outs) AS decision_opt_in_rate
    FROM (
        SELECT purpose,
               coalesce(CASE breakdown WHEN 'channel' THEN channel ELSE region END, 'unknown') AS breakdown_value,
               coalesce(sum(choices) FILTER (decision = 'opt_in'), 0)::BIGINT AS opt_ins,
               coalesce(sum(choices) FILTER (decision = 'opt_out'), 0)::BIGINT AS opt_outs
        FROM consent_choice_counts(start_day, end_day, purposes, channels, regions)
        GROUP BY ALL
    );

-- Opt-outs by method (metrics.md "Consent", opt-out signals): of the opt-outs made in a range, the share made by a
-- Global Privacy Control signal (method `gpc`): GPC opt-outs / all opt-outs. An opt-out whose export recorded no method
-- stays in the denominator (it may have been a GPC signal or not), so the share is a floor where methods are missing.
-- Each opt-out counts, as for the decision opt-in rate: a person whose browser sent the signal on three visits counts three times.
-- small counts: gpc_share over all_opt_outs
CREATE OR REPLACE MACRO gpc_share(gpc_opt_outs, all_opt_outs) AS rate_of(gpc_opt_outs, all_opt_outs);

-- The choices made in a range per purpose, method and one breakdown ('purpose': none, the breakdown_value '';
-- 'region': the person's region, 'unknown' where none), under the pages' consent filters: opt-ins and opt-outs of each
-- method ('not_recorded' where the export gave none), and on every row of a purpose (and region) its opt-outs of
-- every method (all_opt_outs), those by GPC signal (gpc_opt_outs) and their share (gpc_share). No row at all when no
-- choice of the range records a method: the exports then say nothing of how people chose. From the consent rows:
-- no summary keeps the method.
CREATE OR REPLACE MACRO choices_by_method(breakdown, start_day, end_day, purposes, channels, regions) AS TABLE
    WITH choices AS (
        SELECT purpose,
               CASE WHEN breakdown = 'region' THEN coalesce(region, 'unknown') ELSE '' END AS breakdown_value,
               coalesce(method, 'not_recorded') AS method, decision
        FROM consent
        WHERE decision IN ('opt_in', 'opt_out')
          AND occurred_at >= start_day::DATE AND occurred_at < end_day::DATE + 1
          AND selected(purpose, purposes) AND selected(channel, channels) AND selected(region, regions)
    ),
    by_method AS (
        SELECT purpose, breakdown_value, method,
               count(*) FILTER (decision = 'opt_in') AS opt_ins,
               count(*) FILTER (decision = 'opt_out') AS opt_outs
        FROM choices
        GROUP BY ALL
    ),
    with_totals AS (
        SELECT *,
               sum(opt_outs) OVER (PARTITION BY purpose, breakdown_value)::BIGINT AS all_opt_outs,
               sum(CASE WHEN method = 'gpc' THEN opt_outs ELSE 0 END)
                   OVER (PARTITION BY purpose, breakdown_value)::BIGINT AS gpc_opt_outs
        FROM by_method
    )
    SELECT purpose, breakdown_value, method, opt_ins::BIGINT AS opt_ins, opt_outs::BIGINT AS opt_outs, all_opt_outs,
           gpc_opt_outs, gpc_share(gpc_opt_outs, all_opt_outs) AS gpc_share
    FROM with_totals
    WHERE (SELECT coalesce(bool_or(method <> 'not_recorded'), false) FROM choices);

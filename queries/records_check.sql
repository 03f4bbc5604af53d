-- The record-keeping check (CCPA regulations, 11 CCR § 7101(a) and (b); Colorado rule 6.11): of every request the
-- store holds, whatever the dates and filters, how many lack a field those rules ask a business to keep for 24
-- months: how the request was made (channel), the date of a completed or denied request's response (closed_at),
-- and the basis for a denial (denial_reason). The date received, the type and the status every stored request has.
-- A request is counted once, whatever its types. first_received and newest_data_day bound the records held;
-- months_held counts the whole months from the first to the newest (metrics.md "The date range", newest_data_day).
WITH per_request AS (
    SELECT request_id,
           min(received_date) AS received,
           bool_or(channel IS NULL) AS without_channel,
           bool_or(status IN ('completed', 'denied') AND closed_at IS NULL) AS closed_without_date,
           bool_or(status = 'denied' AND denial_reason IS NULL) AS denied_without_reason,
           bool_or(status = 'denied') AS denied
    FROM request_facts
    GROUP BY request_id
)
SELECT count(*) AS requests_on_record,
       count(*) FILTER (without_channel) AS without_channel,
       count(*) FILTER (closed_without_date) AS closed_without_date,
       count(*) FILTER (denied) AS denied_requests,
       count(*) FILTER (denied_without_reason) AS denied_without_reason,
       min(received) AS first_received,
       newest_data_day() AS newest_data_day,
       date_diff('month', min(received), newest_data_day()) AS months_held
FROM per_request;

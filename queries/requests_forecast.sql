-- The projection of deadline health (metrics.md "Requests", forecast): how many of the requests open at the end
-- of $end would be late if requests kept closing at the pace of the 30 days ending with $end. The pace is the
-- requests that closed in those days (completed, denied or withdrawn, by closed_at; under the same filters), and
-- the open requests are taken in order of due date (then received, request ID, type): the k-th closes on $end
-- plus ceil(k * 30 / closed_last_30_days) days, and is late when that day is after its due date. An overdue
-- request is late whatever the pace. With no request closed in the 30 days nothing closes, and every open request
-- that has a due date is late. A projection, not a prediction: work does not always go in due-date order.
WITH pace AS (
    SELECT count(*) AS closed_last_30_days
    FROM request_facts
    WHERE status <> 'open'
      AND closed_date BETWEEN $end::DATE - 29 AND $end::DATE
      AND selected(request_type, $request_types)
      AND selected(jurisdiction, $jurisdictions)
      AND selected(channel, $request_channels)
),
queue AS (
    SELECT due_date,
           row_number() OVER (ORDER BY due_date NULLS LAST, received_at, request_id, request_type) AS place
    FROM open_at_end($end, 0, $request_types, $jurisdictions, $request_channels)
),
projected AS (
    SELECT due_date,
           CASE WHEN closed_last_30_days > 0
                THEN $end::DATE + ceil(place * 30 / closed_last_30_days)::INTEGER END AS closes
    FROM queue, pace
)
SELECT (SELECT count(*) FROM queue) AS open_at_end,
       closed_last_30_days,
       (SELECT count(*) FILTER (due_date IS NOT NULL AND (closes IS NULL OR closes > due_date))
        FROM projected) AS projected_late,
       (SELECT max(closes) FROM projected) AS projected_clear_date
FROM pace;

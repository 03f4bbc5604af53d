-- Requests received per calendar month and request type over the twelve months that end with the
-- month holding $end (metrics.md "Requests": trailing twelve months). Every request type present in
-- the store gets a row for every month, zeros included, so a chart has no holes; the last month
-- counts only what arrived by the end of $end. This window ignores the start of the range on purpose.
-- A combined request (`access+deletion`) is stored as one row per type, so it counts once per type.
WITH months AS (
    SELECT unnest(generate_series(trailing_months_start($end)::TIMESTAMP,
                                  date_trunc('month', $end::DATE)::TIMESTAMP,
                                  INTERVAL 1 MONTH))::DATE AS month_start
),
request_types AS (
    SELECT DISTINCT request_type
    FROM request_facts
    WHERE selected(request_type, $request_types)
),
received AS (
    SELECT date_trunc('month', received_date)::DATE AS month_start, request_type, count(*) AS received
    FROM requests_received(trailing_months_start($end), $end, $request_types, $jurisdictions, $request_channels)
    GROUP BY ALL
)
SELECT strftime(months.month_start, '%Y-%m') AS month,
       request_types.request_type,
       coalesce(received.received, 0) AS received,
       sum(coalesce(received.received, 0)) OVER (PARTITION BY month)::BIGINT AS month_total
FROM months
CROSS JOIN request_types
LEFT JOIN received USING (month_start, request_type)
ORDER BY month, request_type;

-- The Overview's requests tile (metrics.md "Requests"): the requests received in the twelve calendar months to the
-- end of the range (the window of requests_trailing_12_months), those received in the twelve calendar months to the
-- same day a year earlier, and the change between them (none where nothing was received the year before). The
-- request filters narrow both. A combined request counts once for each of its types.
WITH year_earlier AS (
    SELECT ($end::DATE - INTERVAL 1 YEAR)::DATE AS day
)
SELECT received, received_before, count_change(received, received_before) AS received_change
FROM (
    SELECT (SELECT count(*)
            FROM requests_received(trailing_months_start($end), $end, $request_types, $jurisdictions, $request_channels))
               AS received,
           (SELECT count(*)
            FROM year_earlier, requests_received(trailing_months_start(year_earlier.day), year_earlier.day,
                                                 $request_types, $jurisdictions, $request_channels))
               AS received_before
);

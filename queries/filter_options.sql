-- The values each sidebar filter offers: every purpose, channel, region, request type, jurisdiction
-- and request channel in the store ('unknown' where a row has none), and the store's first and last
-- dates, for the date presets.
SELECT 'purpose' AS filter, purpose AS value FROM consent GROUP BY purpose
UNION ALL SELECT 'channel', coalesce(channel, 'unknown') FROM consent GROUP BY ALL
UNION ALL SELECT 'region', coalesce(region, 'unknown') FROM consent GROUP BY ALL
UNION ALL SELECT 'request_type', request_type FROM requests GROUP BY ALL
UNION ALL SELECT 'jurisdiction', jurisdiction FROM requests GROUP BY ALL
UNION ALL SELECT 'request_channel', coalesce(channel, 'unknown') FROM requests GROUP BY ALL
UNION ALL SELECT 'first_date', strftime(least(
    (SELECT min(occurred_at) FROM consent), (SELECT min(received_at) FROM requests))::DATE, '%Y-%m-%d')
UNION ALL SELECT 'last_date', strftime(greatest(
    (SELECT max(occurred_at) FROM consent), (SELECT max(received_at) FROM requests))::DATE, '%Y-%m-%d')
ORDER BY filter, value;

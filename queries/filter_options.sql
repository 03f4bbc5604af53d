-- The values each sidebar filter offers: every purpose, channel, region, request type, jurisdiction
-- and request channel in the store ('unknown' where a row has none), and the store's first and last
-- dates, for the date presets. Consent values come from the daily counts (views.sql, consent_day_counts).
SELECT 'purpose' AS filter, purpose AS value FROM consent_day_counts GROUP BY purpose
UNION ALL SELECT 'channel', coalesce(channel, 'unknown') FROM consent_day_counts GROUP BY ALL
UNION ALL SELECT 'region', coalesce(region, 'unknown') FROM consent_day_counts GROUP BY ALL
UNION ALL SELECT 'request_type', request_type FROM request_facts GROUP BY ALL
UNION ALL SELECT 'jurisdiction', jurisdiction FROM request_facts GROUP BY ALL
UNION ALL SELECT 'request_channel', coalesce(channel, 'unknown') FROM request_facts GROUP BY ALL
UNION ALL SELECT 'first_date', strftime(first_data_day(), '%Y-%m-%d')
UNION ALL SELECT 'last_date', strftime(newest_data_day(), '%Y-%m-%d')
ORDER BY filter, value;

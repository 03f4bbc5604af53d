-- Per column, how many kept rows had their value there dropped because it held an e-mail address or phone
-- number (the ingest queries list them in `dropped_identities`), most first.
SELECT name, count(*) AS rows
FROM (SELECT unnest(dropped_identities) AS name FROM staged WHERE reject_reason IS NULL)
GROUP BY name
ORDER BY rows DESC, name;

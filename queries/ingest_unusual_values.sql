-- Values a load keeps but the user should look at (temp view `unusual_values`, made by ingest_consent.sql and
-- ingest_request_types.sql): for one $field, each value with its rows, most first, at most $limit of them, with
-- how many values there are in all and how many of them are on fewer than $rare_rows rows (a column of ids or
-- free text mapped as the purpose makes many rare ones: ingest.py, _mapping_looks_wrong).
SELECT value, count(*) AS rows,
       count(*) OVER () AS all_values,
       sum((count(*) < $rare_rows)::INTEGER) OVER () AS rare_values
FROM unusual_values
WHERE field = $field
GROUP BY value
ORDER BY rows DESC, value
LIMIT $limit;

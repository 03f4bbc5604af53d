-- The first normalised rows of a requests file being previewed, one per request and type (temp table
-- `staged_rows`, ingest_request_types.sql), in file order, at most $limit.
SELECT * FROM staged_rows ORDER BY record LIMIT $limit;

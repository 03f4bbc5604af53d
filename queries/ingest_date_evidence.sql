-- How a timestamp column's slash dates read (ingest.py decides the column's date order by it): how many have a
-- first field over 12 (day-first), a second over 12 (month-first), or both 12 or less (either way). $column
-- names the column of temp view `mapped` (one of formats.TIMESTAMP_COLUMNS).
WITH slash AS (
    SELECT regexp_extract(spelled, '^(\d{1,2})/(\d{1,2})/\d', ['a', 'b']) AS p
    FROM (SELECT COLUMNS(lambda name: name = $column) AS spelled FROM mapped)
    WHERE contains(spelled, '/') AND regexp_matches(spelled, '^\d{1,2}/\d{1,2}/\d')
)
SELECT count(*) FILTER (WHERE p.a::INT > 12) AS day_first,
       count(*) FILTER (WHERE p.b::INT > 12) AS month_first,
       count(*) FILTER (WHERE p.a::INT <= 12 AND p.b::INT <= 12) AS ambiguous
FROM slash;

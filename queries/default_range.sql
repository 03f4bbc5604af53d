-- The default date range (metrics.md "The date range"): the twelve months that end on the date of
-- the newest consent decision or request received; closing and policy dates do not move it.
-- One row; both NULL when the store holds neither.
WITH newest AS (
    SELECT newest_data_day() AS end_date
)
SELECT (end_date - INTERVAL 1 YEAR + INTERVAL 1 DAY)::DATE AS "start",
       end_date AS "end"
FROM newest;

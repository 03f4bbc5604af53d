-- The end of the default date range (metrics.md "The date range"): the newest data day, the date of the newest
-- consent decision or request received (closing and policy dates do not move it); NULL when the store holds
-- neither. The range is the twelve months that end on it (metrics.year_start).
SELECT newest_data_day() AS "end";

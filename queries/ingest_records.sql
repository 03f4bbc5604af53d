-- How many records a file holds (temp table `raw`, records.py): a file of more than a load takes is refused
-- before it is normalised.
SELECT count(*) AS records FROM raw;

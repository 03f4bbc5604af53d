-- What normalising a file came to: the records in temp table `staged`, those of them that break a rule, and the
-- records that could not be read at all (temp table `malformed_records`, records.py).
SELECT count(*) AS parsed,
       count(*) FILTER (WHERE reject_reason IS NOT NULL) AS rejected,
       (SELECT count(*) FROM malformed_records) AS malformed
FROM staged;

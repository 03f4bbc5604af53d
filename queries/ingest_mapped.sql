-- The rows of a file as its profile maps them (profiles.py), as two temp views over `raw` that the normalising
-- queries read once, straight from the file's records. Only fixed pieces are put in place of the four names in
-- braces below (Python's str.format): SQL the profile engine compiled, in which every value a profile holds
-- is a variable set with a bound parameter, and numbers. They are:
--   records: the records of `raw` as `record, line` and the file's columns (records.numbered_records);
--   canonical_columns: each canonical column of the kind as text, without surrounding spaces, NULL when nothing
--     is left (macros.sql, present): trimmed here once, so that no ingest query trims a value again;
--   set_aside: the reason the profile sets a record aside, or NULL;
--   notes: per noted alternative of the profile, in order, whether it filled the row (a list of booleans).
CREATE OR REPLACE TEMP VIEW mapped_all AS
SELECT record, line, {canonical_columns}, ({set_aside})::VARCHAR AS set_aside, {notes}::BOOLEAN[] AS notes
FROM ({records});

-- The rows to normalise: those the profile does not set aside.
CREATE OR REPLACE TEMP VIEW mapped AS
SELECT * EXCLUDE (set_aside, notes) FROM mapped_all WHERE set_aside IS NULL;

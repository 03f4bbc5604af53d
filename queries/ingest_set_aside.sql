-- The rows a profile sets aside (temp view `mapped_all`: a test request, say, with its reason), kept with
-- their line as temp table `set_aside_rows` for the upload's history, and counted per reason, most first.
CREATE OR REPLACE TEMP TABLE set_aside_rows AS
SELECT line, set_aside AS reason FROM mapped_all WHERE set_aside IS NOT NULL;

SELECT reason, count(*) AS rows FROM set_aside_rows GROUP BY reason ORDER BY rows DESC, reason;

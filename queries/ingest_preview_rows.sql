-- The first normalised rows of a consent or policy file being previewed (the good rows of temp table `staged`),
-- in file order, at most $limit.
SELECT * FROM staged WHERE reject_reason IS NULL ORDER BY record LIMIT $limit;

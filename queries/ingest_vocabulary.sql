-- The words a load reads values by (vocabulary.py: per field, each folded spelling and the canonical value it
-- means, the profile's and the words file's winning over the built-in ones), as temp table `vocabulary`, which
-- the ingest queries join to. Three lists of the same length, one row per position.
CREATE OR REPLACE TEMP TABLE vocabulary AS
SELECT unnest($fields::VARCHAR[]) AS field, unnest($words::VARCHAR[]) AS word,
       unnest($canonicals::VARCHAR[]) AS canonical;

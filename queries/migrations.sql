-- The columns added since the first schema version to tables an older store already has, oldest first.
-- store.py runs this file on a store whose schema_version is below SCHEMA_VERSION, then schema.sql, which
-- makes the tables such a store lacks whole (versions 3, 4, 6 and 8 only added tables: the service map and
-- saved mappings, the summaries, erasures, API tokens and watched files; version 7 added the holders tables;
-- version 9 the denial-reason phrases).
-- Each step adds only what is missing, so a store of any older version takes the steps it needs and passes
-- over the others. Every column here stands last in its table in schema.sql too, in the same order, so that
-- a migrated store and a new one are the same store (tests/test_store_sql.py). The steps that change rows
-- rather than tables (version 4's summaries computed once, version 7's pseudonyms, version 9's request
-- fingerprints) are store.py's.

-- Version 2: the bundled sample is marked, so the dashboard can say so and remove it again.
ALTER TABLE uploads ADD COLUMN IF NOT EXISTS is_sample BOOLEAN DEFAULT false;

-- Version 5: an undo is recorded in the history (who, when), not erased from it.
ALTER TABLE uploads ADD COLUMN IF NOT EXISTS removed_by VARCHAR;
ALTER TABLE uploads ADD COLUMN IF NOT EXISTS removed_at TIMESTAMP;

-- Version 7: rows a profile sets aside (not choices, test requests) are counted per upload and kept with
-- their reason; rows that were another service's same choice once services were folded into one purpose
-- are counted.
ALTER TABLE uploads ADD COLUMN IF NOT EXISTS rows_set_aside BIGINT DEFAULT 0;
ALTER TABLE rejected_rows ADD COLUMN IF NOT EXISTS set_aside BOOLEAN DEFAULT false;
ALTER TABLE uploads ADD COLUMN IF NOT EXISTS rows_folded BIGINT DEFAULT 0;

-- Version 9: a request's denial reason, as the export wrote it, and in the request facts with its category (the
-- CCPA metrics' reasons for a denial). A store of a version before 4 has no request facts yet: schema.sql makes
-- them whole.
ALTER TABLE request_versions ADD COLUMN IF NOT EXISTS denial_reason VARCHAR;
ALTER TABLE IF EXISTS request_fact_rows ADD COLUMN IF NOT EXISTS denial_reason VARCHAR;
ALTER TABLE IF EXISTS request_fact_rows ADD COLUMN IF NOT EXISTS denial_category VARCHAR;

-- Version 10: how a consent choice was made (method: gpc, banner, preference_centre, ...), NULL where the export
-- recorded none, as for every decision stored before. A consent row has no version fingerprint (its event id is over
-- the subject, instant, purpose, decision and policy version, never the method), so no row changes.
ALTER TABLE consent ADD COLUMN IF NOT EXISTS method VARCHAR;

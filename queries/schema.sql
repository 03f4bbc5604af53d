-- The store's tables and views, each with every column a store of the current version has (store.py,
-- SCHEMA_VERSION). Timestamps are UTC, values canonical. Every statement makes only what is missing:
-- store.py runs this file on a new store, after migrations.sql on an older one, and whenever the program's
-- SQL changes, so that a table added here reaches every store when it is next opened. A column added to a
-- table already here is also a step in migrations.sql (added last, there and here), with SCHEMA_VERSION raised.

CREATE TABLE IF NOT EXISTS store_meta (key VARCHAR PRIMARY KEY, value VARCHAR);

CREATE SEQUENCE IF NOT EXISTS upload_ids START 1;

CREATE TABLE IF NOT EXISTS uploads (
    upload_id      INTEGER PRIMARY KEY,
    file_name      VARCHAR NOT NULL,
    sha256         VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL,
    format         VARCHAR NOT NULL,
    date_order     VARCHAR,
    rows_read      BIGINT NOT NULL,
    rows_loaded    BIGINT NOT NULL,
    rows_duplicate BIGINT NOT NULL,
    rows_rejected  BIGINT NOT NULL,
    warnings       VARCHAR[] NOT NULL,
    loaded_by      VARCHAR,
    loaded_at      TIMESTAMP NOT NULL,
    is_sample      BOOLEAN DEFAULT false,  -- the bundled sample, which the first real upload removes
    removed_by     VARCHAR,                -- an undo is recorded (who, when), not erased from the history
    removed_at     TIMESTAMP,
    rows_set_aside BIGINT DEFAULT 0,       -- rows a profile set aside (not choices, test requests)
    rows_folded    BIGINT DEFAULT 0        -- rows that were another service's same choice once folded into a purpose
);

-- One row per consent decision; event_id is unique across the store.
CREATE TABLE IF NOT EXISTS consent (
    event_id       VARCHAR NOT NULL,
    subject_id     VARCHAR NOT NULL,   -- a pseudonym (pseudonyms.py), never as the export wrote it
    occurred_at    TIMESTAMP NOT NULL,
    purpose        VARCHAR NOT NULL,
    decision       VARCHAR NOT NULL,   -- opt_in | opt_out | acknowledge | shown
    policy_version VARCHAR NOT NULL,   -- 'unknown' when the export had none
    channel        VARCHAR,
    region         VARCHAR,
    upload_id      INTEGER NOT NULL,
    method         VARCHAR             -- how the choice was made (gpc, banner, preference_centre, ...); NULL: not recorded
);

-- Every version of a request that an upload brought; the view `requests` shows the newest.
-- Keeping the older versions is what lets an undo bring back the status a request had before.
CREATE TABLE IF NOT EXISTS request_versions (
    request_id     VARCHAR NOT NULL,
    request_type   VARCHAR NOT NULL,
    received_at    TIMESTAMP NOT NULL,
    status         VARCHAR NOT NULL,   -- open | completed | denied | withdrawn
    closed_at      TIMESTAMP,
    subject_id     VARCHAR,
    jurisdiction   VARCHAR NOT NULL,
    extended       BOOLEAN NOT NULL,
    channel        VARCHAR,
    upload_id      INTEGER NOT NULL,
    line           BIGINT NOT NULL,     -- later lines of one file win
    denial_reason  VARCHAR              -- as the export wrote it, an e-mail address or phone number in it masked
);

CREATE TABLE IF NOT EXISTS policy_versions_uploaded (
    policy_version VARCHAR NOT NULL,
    effective_date DATE NOT NULL,
    title          VARCHAR,
    url            VARCHAR,
    upload_id      INTEGER NOT NULL,
    line           BIGINT NOT NULL
);

-- Which uploads brought a row besides the one its upload_id names (store.py, HOLDER_TABLES): a later export
-- that held the same row, loaded as a duplicate, so that undoing the first leaves the row to it. Request and
-- policy holders name the version they brought by its fingerprint (macros.sql, version_fingerprint).
CREATE TABLE IF NOT EXISTS consent_holders (
    event_id  VARCHAR NOT NULL,
    upload_id INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS request_holders (
    request_id   VARCHAR NOT NULL,
    request_type VARCHAR NOT NULL,
    version      VARCHAR NOT NULL,
    upload_id    INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS policy_holders (
    policy_version VARCHAR NOT NULL,
    version        VARCHAR NOT NULL,
    upload_id      INTEGER NOT NULL
);

-- Every rejected record (its line, column, value and reason, never the raw line) and every row a profile
-- set aside (set_aside, with its reason).
CREATE TABLE IF NOT EXISTS rejected_rows (
    upload_id   INTEGER NOT NULL,
    line        BIGINT,
    column_name VARCHAR,
    value       VARCHAR,
    reason      VARCHAR NOT NULL,
    set_aside   BOOLEAN DEFAULT false
);

-- Reference data, refreshed from the editable files in data/ whenever they change.
CREATE TABLE IF NOT EXISTS purposes (
    purpose VARCHAR PRIMARY KEY,
    label   VARCHAR NOT NULL,
    basis   VARCHAR,
    aliases VARCHAR[]
);

-- The phrases that put a denial reason in a category of the CCPA metrics (data/words.toml, [denial_reason]; matched
-- by macros.sql, denial_category): each category's phrases in the file's order, numbered in that order.
CREATE TABLE IF NOT EXISTS denial_reason_words (
    category VARCHAR NOT NULL,         -- identity_not_verified | not_a_consumer | exempt | other
    phrase   VARCHAR NOT NULL,         -- as the file writes it
    position INTEGER NOT NULL          -- at equal length, the phrase listed first decides
);

CREATE TABLE IF NOT EXISTS deadlines (
    jurisdiction   VARCHAR NOT NULL,
    request_types  VARCHAR[],          -- NULL: every type not named in a more specific row
    deadline       INTEGER NOT NULL,
    deadline_unit  VARCHAR NOT NULL,   -- calendar_days | business_days | months
    extension      INTEGER NOT NULL,
    extension_unit VARCHAR NOT NULL
);

-- Vendor services folded into purposes (data/service_purposes.csv).
CREATE TABLE IF NOT EXISTS service_purposes (
    service_id   VARCHAR PRIMARY KEY,
    purpose      VARCHAR NOT NULL,
    service_name VARCHAR
);

-- Column mappings saved by name, offered again for a file with the same header.
CREATE TABLE IF NOT EXISTS saved_mappings (
    name     VARCHAR PRIMARY KEY,
    kind     VARCHAR NOT NULL,
    header   VARCHAR[] NOT NULL,
    columns  VARCHAR NOT NULL,         -- JSON: canonical column -> the file's column
    saved_at TIMESTAMP NOT NULL
);

-- The summaries every page reads instead of the raw rows (summaries.py), kept exact through every upload
-- and undo. The state changes follow each subject's history (views.sql, consent_changes_of and
-- policy_version_changes_of); the *_slices tables follow it within one value of one filter.
CREATE TABLE IF NOT EXISTS consent_daily (
    day DATE NOT NULL, purpose VARCHAR NOT NULL, channel VARCHAR, region VARCHAR, decision VARCHAR NOT NULL,
    events BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS consent_version_days (policy_version VARCHAR NOT NULL, day DATE NOT NULL, events BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS consent_standing_days (
    purpose VARCHAR NOT NULL, day DATE NOT NULL, new_subjects BIGINT NOT NULL, opt_in_change BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS policy_version_days (policy_version VARCHAR NOT NULL, day DATE NOT NULL, change BIGINT NOT NULL);
-- A copy of the request facts (views.sql, request_facts_computed), refreshed when requests or deadlines change.
CREATE TABLE IF NOT EXISTS request_fact_rows (
    request_id VARCHAR, request_type VARCHAR, received_at TIMESTAMP, status VARCHAR, closed_at TIMESTAMP,
    subject_id VARCHAR, jurisdiction VARCHAR, extended BOOLEAN, channel VARCHAR, upload_id INTEGER,
    received_date DATE, closed_date DATE, days_to_close BIGINT, due_date DATE, deadline INTEGER,
    deadline_unit VARCHAR, denial_reason VARCHAR, denial_category VARCHAR);
CREATE TABLE IF NOT EXISTS consent_standing_slices (
    dimension VARCHAR NOT NULL, slice VARCHAR NOT NULL, purpose VARCHAR NOT NULL, day DATE NOT NULL,
    new_subjects BIGINT NOT NULL, opt_in_change BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS policy_version_slices (
    dimension VARCHAR NOT NULL, slice VARCHAR NOT NULL, policy_version VARCHAR NOT NULL, day DATE NOT NULL,
    change BIGINT NOT NULL);

-- An erasure is recorded as having happened (when, by whom, how many people and rows), never whom.
CREATE TABLE IF NOT EXISTS erasures (
    erasure_id     INTEGER PRIMARY KEY,
    erased_at      TIMESTAMP NOT NULL,
    erased_by      VARCHAR,
    people         INTEGER NOT NULL,
    consent_rows   BIGINT NOT NULL,
    request_rows   BIGINT NOT NULL,
    values_cleared BIGINT NOT NULL
);

-- Tokens for the server's HTTP API (tokens.py): only a hash of each is kept, never the token.
CREATE TABLE IF NOT EXISTS api_tokens (
    name         VARCHAR NOT NULL,
    token_sha256 VARCHAR NOT NULL UNIQUE,
    role         VARCHAR NOT NULL,
    owner        VARCHAR NOT NULL,
    created_by   VARCHAR NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_by   VARCHAR,
    revoked_at   TIMESTAMP
);

-- Every file a watched folder offered (watching.py), by its content's hash: loaded once, or set aside once.
CREATE TABLE IF NOT EXISTS watched_files (
    sha256      VARCHAR NOT NULL,
    source      VARCHAR NOT NULL,
    file_name   VARCHAR NOT NULL,
    size        BIGINT,
    modified_at TIMESTAMP,
    seen_at     TIMESTAMP NOT NULL,
    outcome     VARCHAR NOT NULL,
    upload_id   INTEGER,
    reason      VARCHAR,
    moved_to    VARCHAR
);

CREATE OR REPLACE VIEW requests AS
SELECT * EXCLUDE (line, version_rank)
FROM (
    SELECT *, row_number() OVER (
        PARTITION BY request_id, request_type ORDER BY upload_id DESC, line DESC) AS version_rank
    FROM request_versions
)
WHERE version_rank = 1;

CREATE OR REPLACE VIEW policies AS
SELECT * EXCLUDE (line, version_rank)
FROM (
    SELECT *, row_number() OVER (
        PARTITION BY policy_version ORDER BY upload_id DESC, line DESC) AS version_rank
    FROM policy_versions_uploaded
)
WHERE version_rank = 1;

-- A store made before the per-value summaries (the *_slices tables) has just got them, empty: when it holds
-- consent decisions its summaries are marked stale, and store.py fills them at once, before any page reads them.
INSERT OR REPLACE INTO store_meta (key, value)
SELECT 'summaries_stale', '1'
WHERE NOT EXISTS (FROM consent_standing_slices) AND NOT EXISTS (FROM policy_version_slices)
  AND EXISTS (FROM consent WHERE decision <> 'shown');

-- The store's tables and views (schema version 1). Timestamps are UTC, values canonical.

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
    loaded_at      TIMESTAMP NOT NULL
);

-- One row per consent decision; event_id is unique across the store.
CREATE TABLE IF NOT EXISTS consent (
    event_id       VARCHAR NOT NULL,
    subject_id     VARCHAR NOT NULL,
    occurred_at    TIMESTAMP NOT NULL,
    purpose        VARCHAR NOT NULL,
    decision       VARCHAR NOT NULL,   -- opt_in | opt_out | acknowledge
    policy_version VARCHAR NOT NULL,   -- 'unknown' when the export had none
    channel        VARCHAR,
    region         VARCHAR,
    upload_id      INTEGER NOT NULL
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
    line           BIGINT NOT NULL      -- later lines of one file win
);

CREATE TABLE IF NOT EXISTS policy_versions_uploaded (
    policy_version VARCHAR NOT NULL,
    effective_date DATE NOT NULL,
    title          VARCHAR,
    url            VARCHAR,
    upload_id      INTEGER NOT NULL,
    line           BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS rejected_rows (
    upload_id   INTEGER NOT NULL,
    line        BIGINT,
    column_name VARCHAR,
    value       VARCHAR,
    reason      VARCHAR NOT NULL
);

-- Reference data, refreshed from the editable files in data/ whenever they change.
CREATE TABLE IF NOT EXISTS purposes (
    purpose VARCHAR PRIMARY KEY,
    label   VARCHAR NOT NULL,
    basis   VARCHAR,
    aliases VARCHAR[]
);

CREATE TABLE IF NOT EXISTS deadlines (
    jurisdiction   VARCHAR NOT NULL,
    request_types  VARCHAR[],          -- NULL: every type not named in a more specific row
    deadline       INTEGER NOT NULL,
    deadline_unit  VARCHAR NOT NULL,   -- calendar_days | business_days | months
    extension      INTEGER NOT NULL,
    extension_unit VARCHAR NOT NULL
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

-- The rows of a store as the first version of the dashboard wrote it (schema version 1), put in its tables by
-- tests/test_store_sql.py: the tests open it with today's code and check that it is migrated to the very
-- tables a new store has, its rows kept. Version 1 kept a subject that was no e-mail address or phone number
-- as written (C-1001): the migration to version 7 makes it a pseudonym.

INSERT INTO store_meta VALUES ('schema_version', '1'), ('store_version', '3');
-- Three uploads took ids 1, 2 and 3.
SELECT nextval('upload_ids') FROM range(3);

INSERT INTO uploads VALUES
    (1, 'consent.csv', 'aa', 'consent', 'canonical', 'mdy', 4, 3, 0, 1, [], 'analyst', TIMESTAMP '2024-03-05 12:00:00'),
    (2, 'requests.csv', 'bb', 'requests', 'canonical', 'mdy', 1, 1, 0, 0, [], 'analyst', TIMESTAMP '2024-03-12 12:00:00'),
    (3, 'policies.csv', 'cc', 'policies', 'canonical', 'mdy', 1, 1, 0, 0, [], 'analyst', TIMESTAMP '2024-03-12 12:05:00');

INSERT INTO consent VALUES
    ('e1', 'C-1001', TIMESTAMP '2024-03-01 09:00:00', 'marketing', 'opt_in', 'v1', 'web', 'EU', 1),
    ('e2', 'C-1002', TIMESTAMP '2024-03-01 10:00:00', 'marketing', 'opt_out', 'v1', 'app', 'US-CA', 1),
    ('e3', 'C-1001', TIMESTAMP '2024-03-02 09:00:00', 'analytics', 'opt_in', 'v1', 'web', 'EU', 1);

INSERT INTO request_versions VALUES
    ('r1', 'access', TIMESTAMP '2024-03-01 00:00:00', 'completed', TIMESTAMP '2024-03-11 00:00:00', 'C-1001',
     'GDPR', false, 'email', 2, 2);

INSERT INTO policy_versions_uploaded VALUES ('v1', DATE '2024-01-01', 'Privacy policy', NULL, 3, 2);

INSERT INTO rejected_rows VALUES
    (1, 5, 'decision', 'maybe', 'decision is not opt_in, opt_out, acknowledge or shown, nor a synonym of one');

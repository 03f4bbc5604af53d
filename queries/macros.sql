-- Macros shared by ingest and metrics: value parsing and calendar arithmetic, defined once.

-- A key as exports spell it, folded: lower case, trimmed, runs of spaces, dashes and dots made '_'.
CREATE OR REPLACE MACRO fold_key(s) AS
    nullif(trim(regexp_replace(lower(trim(s)), '[\s.\-]+', '_', 'g'), '_'), '');

-- A purpose key: lower case, '&' and the word 'and' dropped, every run of characters that are
-- not letters or digits (of any script) made one '_', no '_' at either end.
CREATE OR REPLACE MACRO fold_purpose(s) AS
    nullif(array_to_string(list_filter(
        string_split(regexp_replace(lower(s), '[^\p{L}\p{N}]+', '_', 'g'), '_'),
        lambda t: t <> '' AND t <> 'and'), '_'), '');

-- Free text as the denial-reason phrases are looked for in it: lower case, every run of characters that are not
-- letters or digits (of any script) one space, and a space at each end, so that a phrase folded alike is found
-- as whole words only (`Not a California-resident.` is ' not a california resident ').
CREATE OR REPLACE MACRO fold_phrase(s) AS
    ' ' || trim(regexp_replace(lower(s), '[^\p{L}\p{N}]+', ' ', 'g')) || ' ';

-- A denied request's category among the CCPA metrics' reasons for a denial (11 CCR § 7102(a)(2)), from its
-- denial reason and the phrases of data/words.toml's [denial_reason] (store table denial_reason_words): the
-- category of the longest phrase found in the reason (at equal length, the one listed first), `other` when the
-- reason holds none; NULL for a request that is not denied or whose denial has no reason.
-- (The reason is folded once, in a subquery of its own: folded beside each phrase it would be folded once per phrase.)
CREATE OR REPLACE MACRO denial_category(request_status, reason_text) AS
    CASE WHEN request_status = 'denied' AND reason_text IS NOT NULL THEN coalesce((
        SELECT words.category
        FROM (SELECT fold_phrase(reason_text) AS folded) AS reason,
             (SELECT category, position, fold_phrase(phrase) AS folded FROM denial_reason_words) AS words
        WHERE words.folded <> '  ' AND contains(reason.folded, words.folded)
        ORDER BY length(words.folded) DESC, words.position
        LIMIT 1), 'other') END;

-- A field's value without surrounding spaces, or NULL when nothing is left. Most values have no
-- spaces to remove, and two comparisons are cheaper than a trim on ten million rows.
CREATE OR REPLACE MACRO present(s) AS
    CASE WHEN starts_with(s, ' ') OR ends_with(s, ' ') THEN nullif(trim(s), '') ELSE nullif(s, '') END;

-- Patterns of the timestamp forms of the data contract.
CREATE OR REPLACE MACRO slash_pattern() AS
    '(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*([AaPp][Mm])?)?';
CREATE OR REPLACE MACRO iso_pattern() AS
    '(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?';

-- A slash date's parts (a/b/y h:mi:sec am/pm) as a timestamp; NULL when they make no date.
CREATE OR REPLACE MACRO slash_timestamp(p, date_order) AS
    try(make_timestamp(
        CASE WHEN length(p.y) = 2 THEN 2000 + try_cast(p.y AS INT) ELSE try_cast(p.y AS INT) END,
        try_cast(CASE WHEN date_order = 'dmy' THEN p.b ELSE p.a END AS INT),
        try_cast(CASE WHEN date_order = 'dmy' THEN p.a ELSE p.b END AS INT),
        CASE WHEN lower(p.ampm) = 'pm' AND try_cast(p.h AS INT) < 12 THEN try_cast(p.h AS INT) + 12
             WHEN lower(p.ampm) = 'am' AND try_cast(p.h AS INT) = 12 THEN 0
             WHEN p.ampm <> '' AND try_cast(p.h AS INT) > 12 THEN NULL
             ELSE coalesce(try_cast(p.h AS INT), 0) END,
        coalesce(try_cast(p.mi AS INT), 0),
        coalesce(try_cast(p.sec AS INT), 0)));

-- An ISO 8601 timestamp's parts as naive UTC: the offset, when there is one, is subtracted.
CREATE OR REPLACE MACRO iso_timestamp(p) AS
    try_cast(p.day || ' ' || coalesce(nullif(p.hm, ''), '00:00') || ':' || coalesce(nullif(p.sec, ''), '00')
             || CASE WHEN p.frac <> '' THEN '.' || left(p.frac, 6) ELSE '' END AS TIMESTAMP)
    - CASE WHEN left(p.zone, 1) IN ('+', '-') THEN
          (CASE WHEN left(p.zone, 1) = '-' THEN -1 ELSE 1 END)
          * (coalesce(try_cast(substr(p.zone, 2, 2) AS INT), 0) * 60
             + CASE WHEN length(replace(p.zone, ':', '')) = 5
                    THEN coalesce(try_cast(right(replace(p.zone, ':', ''), 2) AS INT), 0) ELSE 0 END)
          * INTERVAL 1 MINUTE
      ELSE INTERVAL 0 MINUTE END;

-- The common ISO 8601 forms through DuckDB's own casts, without regular expressions. A plain
-- TIMESTAMP cast reads the wall time and silently drops any offset, which is right for Z and for no
-- offset at all (read as UTC); a text ending in an offset (+hh:mm, +hhmm, +hh) takes the TIMESTAMPTZ
-- cast, where the offset is explicit, so the session's time zone plays no part either way.
-- NULL for anything else, which parse_timestamp then reads the slow way.
CREATE OR REPLACE MACRO iso_timestamp_fast(s) AS
    CASE WHEN s[5] = '-' AND s[8] = '-' THEN
        CASE WHEN length(s) > 10 AND (s[-6] IN ('+', '-') OR s[-5] IN ('+', '-') OR s[-3] IN ('+', '-'))
             THEN timezone('UTC', try_cast(s AS TIMESTAMPTZ))
             ELSE try_cast(s AS TIMESTAMP) END
    END;

-- A timestamp in any of the forms of the data contract, as naive UTC. NULL when it is none of them.
-- date_order ('mdy' or 'dmy') settles slash dates whose first two fields are both 12 or less.
-- Epoch integers of 1e11 or more are milliseconds, smaller ones seconds.
CREATE OR REPLACE MACRO parse_timestamp(s, date_order) AS
    coalesce(iso_timestamp_fast(s), iso_timestamp_fast(trim(s)), CASE
        WHEN s IS NULL THEN NULL
        WHEN regexp_full_match(trim(s), '\d{1,13}') THEN
            CASE WHEN try_cast(trim(s) AS BIGINT) >= 100000000000
                 THEN make_timestamp(try_cast(trim(s) AS BIGINT) * 1000)
                 ELSE make_timestamp(try_cast(trim(s) AS BIGINT) * 1000000) END
        WHEN regexp_full_match(trim(s), slash_pattern()) THEN
            slash_timestamp(regexp_extract(trim(s), slash_pattern(), ['a', 'b', 'y', 'h', 'mi', 'sec', 'ampm']),
                            date_order)
        WHEN regexp_full_match(trim(s), iso_pattern()) THEN
            iso_timestamp(regexp_extract(trim(s), iso_pattern(), ['day', 'hm', 'sec', 'frac', 'zone']))
        ELSE NULL
    END);

-- The date n business days (Monday to Friday) after d, as a spreadsheet's WORKDAY counts them:
-- a weekend start counts from the Friday before.
CREATE OR REPLACE MACRO workday(d, n) AS (
    WITH start AS (
        SELECT CASE WHEN isodow(d) >= 6 THEN d - (isodow(d) - 5)::INTEGER ELSE d END::DATE AS friday_or_weekday
    )
    SELECT (friday_or_weekday + (7 * (n // 5) + (n % 5)
            + CASE WHEN isodow(friday_or_weekday) + (n % 5) > 5 THEN 2 ELSE 0 END)::INTEGER)::DATE
    FROM start
);

-- d plus an amount in a deadline unit. Months keep the day number, or take the month's last day.
CREATE OR REPLACE MACRO add_deadline(d, amount, unit) AS (
    CASE unit
        WHEN 'business_days' THEN workday(d::DATE, amount)
        WHEN 'months' THEN (d::DATE + to_months(amount::INTEGER))::DATE
        ELSE (d::DATE + amount::INTEGER)::DATE
    END
);

-- Direct identifiers in text. dashboard/identities.py holds the same patterns for Python's messages,
-- character for character (tests/test_identities.py checks that both mask alike); they use explicit
-- character classes only, which mean the same in RE2 and in Python. An e-mail address, or a
-- `Name <address>` form whole (the name identifies the person too):
CREATE OR REPLACE MACRO email_pattern() AS
    '(?:"[^"<>@\r\n]*" ?|(?:[^ \t\r\n<>@,;:"()\[\]`]+ ){0,4})<[^ \t\r\n<>@,;:"()\[\]`]+@[^ \t\r\n<>@,;:"()\[\]`]+\.[^ \t\r\n<>@,;:"()\[\]`]+>|[^ \t\r\n<>@,;:"()\[\]`]+@[^ \t\r\n<>@,;:"()\[\]`]+\.[^ \t\r\n<>@,;:"()\[\]`]+';
-- A phone-like run: an optional +country code and (area code), then digit groups with separators...
CREATE OR REPLACE MACRO phone_pattern() AS
    '(?:\+[0-9]{1,3}[ .\-]?)?(?:\([0-9]{1,5}\)[ .\-]?)?[0-9][0-9 .\-]{4,20}[0-9]';
-- ...that is not a date (2024-06-01, 01.06.2024, with an hour) nor a decimal number.
CREATE OR REPLACE MACRO not_phone_pattern() AS
    '[0-9]{4}[.\-][0-9]{1,2}[.\-][0-9]{1,2}(?: [0-9]{1,2}(?:[.\-][0-9]{2}){0,2})?|[0-9]{1,2}[.\-][0-9]{1,2}[.\-][0-9]{4}(?: [0-9]{1,2}(?:[.\-][0-9]{2}){0,2})?|[0-9]+\.[0-9]+';

-- True for a phone-like run that is a phone number: 7 to 15 digits (E.164 allows 15), written with a +,
-- a parenthesis or a separator. A plain run of digits is a customer or ticket number, not a phone.
CREATE OR REPLACE MACRO is_phone_number(s) AS
    length(regexp_replace(s, '[^0-9]', '', 'g')) BETWEEN 7 AND 15
    AND regexp_matches(s, '[^0-9]')
    AND NOT regexp_full_match(s, not_phone_pattern());

-- Text as it may be shown or kept outside the pseudonymised columns: every e-mail address and phone
-- number in it replaced by `[e-mail address]` or `[phone number]` (the same steps as identities.mask:
-- addresses first, then each phone-like run of what is left, every occurrence replaced in turn).
-- Text with no '@' and no digit beside a +, a parenthesis or a separator holds neither, and is
-- returned without running the patterns.
CREATE OR REPLACE MACRO masked(s) AS
    CASE WHEN s IS NULL THEN NULL
         WHEN NOT contains(s, '@') AND NOT regexp_matches(s, '[0-9][ .\-)]|[+(][0-9]') THEN s
         ELSE list_reduce(
             list_filter(regexp_extract_all(regexp_replace(s, email_pattern(), '[e-mail address]', 'g'),
                                            phone_pattern()),
                         lambda candidate: is_phone_number(candidate)),
             lambda text, candidate: replace(text, candidate, '[phone number]'),
             regexp_replace(s, email_pattern(), '[e-mail address]', 'g'))
    END;

-- True for a value that is or holds an e-mail address or phone number anywhere. Such a value never
-- becomes a category key (purpose, channel, region, version, type, status, jurisdiction, policy
-- title or url) and is never stored: the ingest queries reject the row or drop the value.
CREATE OR REPLACE MACRO holds_identifier(s) AS coalesce(masked(s) <> s, false);

-- True for a value that identifies a person rather than being a pseudonym: it holds an e-mail address
-- anywhere, or it is, as a whole, a phone number. Values of the columns that identify a row
-- (subject_id, request_id, event_id) are pseudonymised when this is true. A phone inside a longer
-- value is not enough there: `REQ-2024-000123` is a ticket number analysts must be able to look up.
-- Nested CASEs run each pattern only on the values the one before let through: on ten million ids
-- that are not phone numbers (UUIDs, say) only the first, cheap one runs, failing at their first letter.
CREATE OR REPLACE MACRO looks_like_identifier(s) AS
    coalesce(CASE WHEN contains(s, '@') THEN regexp_matches(s, email_pattern())
                  WHEN regexp_full_match(s, ' *[+(0-9][0-9 ().\-]*') THEN
                      CASE WHEN regexp_full_match(trim(s), phone_pattern()) THEN is_phone_number(trim(s)) END
             END, false);

-- What a row identifier's pseudonym is made from: the address of a `Name <address>` form (the same
-- person's plain address then gets the same pseudonym), else the value itself.
CREATE OR REPLACE MACRO identity_of(s) AS
    coalesce(nullif(regexp_extract(s, '<([^ \t\r\n<>@,;:"()\[\]`]+@[^ \t\r\n<>@,;:"()\[\]`]+\.[^ \t\r\n<>@,;:"()\[\]`]+)>', 1), ''), s);

-- A subject as the store keeps it: a pseudonym (a keyed hash, pseudonyms.py), whatever it looks like. An e-mail
-- address or phone number by its identity (a `Name <address>` form by its address, so the same person's plain
-- address gets the same pseudonym), any other text (a customer number, a device id) by itself.
CREATE OR REPLACE MACRO subject_pseudonym(s) AS
    CASE WHEN looks_like_identifier(s) THEN pseudonym(identity_of(s)) ELSE pseudonym(s) END;

-- A rejected value as it is shown and kept: identifiers masked, then at most 200 characters, so no
-- field floods the report.
CREATE OR REPLACE MACRO shown_value(s) AS
    CASE WHEN length(masked(s)) > 200 THEN left(masked(s), 200) || '…' ELSE masked(s) END;

-- A version's fingerprint: its values (a request's or a policy's, as text, in store.VERSIONED's order) as
-- JSON text, hashed. The holders tables name the version an upload brought by it; a load computes it as an undo
-- does, so the two always agree.
CREATE OR REPLACE MACRO version_fingerprint(version_values) AS md5(to_json(version_values)::VARCHAR);

-- A page filter: true when no choice was made (NULL) or the value is among the chosen ones.
-- A missing value is chosen as 'unknown', the name the breakdowns show for it.
CREATE OR REPLACE MACRO selected(value, choices) AS
    choices::VARCHAR[] IS NULL OR list_contains(choices::VARCHAR[], coalesce(value, 'unknown'));

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

-- A timestamp in any of the forms of the data contract, as naive UTC. NULL when it is none of them.
-- date_order ('mdy' or 'dmy') settles slash dates whose first two fields are both 12 or less.
CREATE OR REPLACE MACRO parse_timestamp(s, date_order) AS (
    CASE
        WHEN s IS NULL THEN NULL
        WHEN regexp_full_match(trim(s), '\d{1,13}') THEN
            CASE WHEN trim(s)::BIGINT >= 100000000000
                 THEN make_timestamp(trim(s)::BIGINT * 1000)
                 ELSE make_timestamp(trim(s)::BIGINT * 1000000) END
        WHEN regexp_full_match(trim(s),
                '(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*([AaPp][Mm])?)?')
        THEN (
            WITH parts AS (
                SELECT regexp_extract(trim(s),
                    '(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*([AaPp][Mm])?)?',
                    ['a', 'b', 'y', 'h', 'mi', 'sec', 'ampm']) AS p
            ), numbers AS (
                SELECT p.a::INT AS a, p.b::INT AS b,
                       CASE WHEN length(p.y) = 2 THEN 2000 + p.y::INT ELSE p.y::INT END AS y,
                       coalesce(nullif(p.h, '')::INT, 0) AS h,
                       coalesce(nullif(p.mi, '')::INT, 0) AS mi,
                       coalesce(nullif(p.sec, '')::INT, 0) AS sec,
                       lower(p.ampm) AS ampm
                FROM parts
            )
            SELECT try(make_timestamp(
                y,
                CASE WHEN date_order = 'dmy' THEN b ELSE a END,
                CASE WHEN date_order = 'dmy' THEN a ELSE b END,
                CASE WHEN ampm = 'pm' AND h < 12 THEN h + 12
                     WHEN ampm = 'am' AND h = 12 THEN 0
                     WHEN ampm <> '' AND h > 12 THEN NULL
                     ELSE h END,
                mi, sec))
            FROM numbers
        )
        WHEN regexp_full_match(trim(s),
                '(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?')
        THEN (
            WITH parts AS (
                SELECT regexp_extract(trim(s),
                    '(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?',
                    ['day', 'hm', 'sec', 'frac', 'zone']) AS p
            )
            SELECT try_cast(
                    p.day || ' ' || coalesce(nullif(p.hm, ''), '00:00') || ':' || coalesce(nullif(p.sec, ''), '00')
                    || CASE WHEN p.frac <> '' THEN '.' || left(p.frac, 6) ELSE '' END
                AS TIMESTAMP)
                - CASE WHEN p.zone SIMILAR TO '[+-].*' THEN
                    (CASE WHEN left(p.zone, 1) = '-' THEN -1 ELSE 1 END)
                    * (substr(p.zone, 2, 2)::INT * 60
                       + coalesce(nullif(right(replace(p.zone, ':', ''), 2), ''), '0')::INT
                         * (length(replace(p.zone, ':', '')) = 5)::INT)
                    * INTERVAL 1 MINUTE
                  ELSE INTERVAL 0 MINUTE END
            FROM parts
        )
        ELSE NULL
    END
);

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

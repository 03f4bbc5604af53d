"""Deterministic benchmark exports at a chosen scale, written by DuckDB in the canonical CSV format.

    python -m benchmarks.generate --consent 10000000 --requests 1000000 --out benchmarks/data

Writes consent.csv (the big export), consent_overlap.csv (an export of which half is already in
consent.csv and half is new), requests.csv and policies.csv. The same arguments give the same bytes:
every value is a hash of the row's number, never a random draw.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb

PURPOSES = ("transaction_processing", "customer_service", "quality_control", "communications",
            "marketing", "research_and_development")
# Transaction processing and customer service are necessary: acknowledged, never chosen.
CHOSEN_FROM = 2
POLICIES = (("2023-01-01", "January 2023"), ("2023-09-01", "September 2023"),
            ("2024-06-01", "June 2024"), ("2025-03-01", "March 2025"))
CHANNELS = ("web", "app", "store", "call_center", "email")
REGIONS = ("US-CA", "US-TX", "US-NY", "US-VA", "US-CO", "DE", "FR", "GB", "ES", "IT", "NL", "CA")
REQUEST_TYPES = ("access", "deletion", "correction", "opt_out", "limit", "portability", "access+deletion")
JURISDICTIONS = ("CCPA", "CCPA", "CCPA", "GDPR", "GDPR", "UK_GDPR", "VCDPA", "CPA", "PIPL", "unspecified")
REQUEST_CHANNELS = ("web_form", "email", "phone", "in_store")
FIRST_DAY = "2023-01-01"
DAYS = 1096  # three years
ROWS_PER_VISIT = 3


def _list(values) -> str:
    return "[" + ", ".join(f"'{value}'" for value in values) + "]"


def _pick(values, hash_expression: str) -> str:
    return f"{_list(values)}[(1 + ({hash_expression}) % {len(values)})::BIGINT]"


def consent_rows(first_row: int, rows: int) -> str:
    """SQL for consent rows numbered first_row .. first_row + rows - 1.

    Rows come in visits of three decisions (three different purposes) by one subject at one instant.
    Three visits in four are a new subject's; the others return to an earlier subject, so ten million
    rows hold about 2.5 million subjects. The share
    that opts in differs by purpose and drops for marketing after the 2024-06-01 policy.
    """
    visits = f"(i // {ROWS_PER_VISIT})"
    return f"""
    WITH numbered AS (
        SELECT i, {visits} AS visit, i % {ROWS_PER_VISIT} AS slot,
               hash({visits}, 'subject') AS h_subject, hash({visits}, 'time') AS h_time,
               hash({visits}, 'where') AS h_where, hash(i, 'choice') AS h_choice
        FROM range({first_row}, {first_row + rows}) AS t(i)
    ),
    visits AS (
        SELECT *,
               CASE WHEN h_subject % 4 < 3 THEN visit
                    ELSE ((h_subject // 4) % (visit + 1))::BIGINT END AS subject_number,
               -- More visits later on: the day is the square root of a uniform draw, stretched.
               TIMESTAMP '{FIRST_DAY}' + to_seconds(
                   (sqrt((h_time % 1000000) / 1000000.0) * {DAYS} * 86400)::BIGINT) AS occurred_at,
               ((hash({visits}, 'purpose') % 6 + slot * 2) % 6)::BIGINT AS purpose_index
        FROM numbered
    ),
    dated AS (
        SELECT *,
               CASE WHEN occurred_at >= TIMESTAMP '{POLICIES[3][0]}' THEN 4
                    WHEN occurred_at >= TIMESTAMP '{POLICIES[2][0]}' THEN 3
                    WHEN occurred_at >= TIMESTAMP '{POLICIES[1][0]}' THEN 2 ELSE 1 END AS policy_index
        FROM visits
    )
    SELECT printf('e%010d', i) AS event_id,
           printf('s%08d', subject_number) AS subject_id,
           strftime(occurred_at, '%Y-%m-%dT%H:%M:%SZ') AS occurred_at,
           {_list(PURPOSES)}[purpose_index + 1] AS purpose,
           CASE WHEN purpose_index < {CHOSEN_FROM} THEN 'acknowledge'
                WHEN (h_choice % 100)::BIGINT < CASE purpose_index
                         WHEN 2 THEN 85 WHEN 3 THEN 62 WHEN 5 THEN 48
                         ELSE CASE WHEN occurred_at >= TIMESTAMP '{POLICIES[2][0]}' THEN 47 ELSE 64 END END
                THEN 'opt_in' ELSE 'opt_out' END AS decision,
           -- One row in twenty still carries the previous version (a cached banner).
           {_list(version for version, _ in POLICIES)}[
               (CASE WHEN h_choice % 20 = 0 AND policy_index > 1 THEN policy_index - 1 ELSE policy_index END)::BIGINT
           ] AS policy_version,
           {_pick(CHANNELS, "h_where % 1000")} AS channel,
           {_pick(REGIONS, "h_where // 1000 % 1000")} AS region
    FROM dated
    ORDER BY i
    """


def request_rows(rows: int) -> str:
    return f"""
    WITH numbered AS (
        SELECT i, hash(i, 'type') AS h_type, hash(i, 'time') AS h_time, hash(i, 'outcome') AS h_outcome
        FROM range(0, {rows}) AS t(i)
    ),
    received AS (
        SELECT *,
               TIMESTAMP '{FIRST_DAY}' + to_seconds((h_time % ({DAYS} * 86400))::BIGINT) AS received_at,
               h_outcome % 100 AS outcome,
               (h_outcome // 100) % 60 AS days_taken
        FROM numbered
    )
    SELECT printf('DSR-%08d', i) AS request_id,
           {_pick(REQUEST_TYPES, "h_type % 1000")} AS request_type,
           strftime(received_at, '%Y-%m-%dT%H:%M:%SZ') AS received_at,
           CASE WHEN received_at > TIMESTAMP '{FIRST_DAY}' + INTERVAL {DAYS - 40} DAY AND outcome < 60 THEN 'open'
                WHEN outcome < 3 THEN 'open'
                WHEN outcome < 10 THEN 'denied' WHEN outcome < 14 THEN 'withdrawn'
                ELSE 'completed' END AS status,
           CASE WHEN (received_at > TIMESTAMP '{FIRST_DAY}' + INTERVAL {DAYS - 40} DAY AND outcome < 60)
                     OR outcome < 3 THEN NULL
                ELSE strftime(received_at + to_days(days_taken::INTEGER) + INTERVAL 3 HOUR, '%Y-%m-%dT%H:%M:%SZ')
           END AS closed_at,
           printf('s%08d', hash(i, 'subject') % 2500000) AS subject_id,
           {_pick(JURISDICTIONS, "h_type // 1000 % 1000")} AS jurisdiction,
           CASE WHEN days_taken > 44 THEN 'true' ELSE 'false' END AS extended,
           {_pick(REQUEST_CHANNELS, "h_type // 1000000 % 1000")} AS channel
    FROM received
    ORDER BY i
    """


def generate(out: Path, consent: int, requests: int, overlap: int) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    files = {name: out / f"{name}.csv" for name in ("consent", "consent_overlap", "requests", "policies")}
    connection = duckdb.connect()
    connection.execute("SET preserve_insertion_order = true")

    def write(select: str, path: Path) -> None:
        connection.execute(f"COPY ({select}) TO '{path}' (HEADER, DELIMITER ',')")

    write(consent_rows(0, consent), files["consent"])
    # Half of the overlapping export repeats the newest stored rows; the other half is new rows that
    # follow them, from the same subjects and days.
    half = overlap // 2
    write(f"SELECT * FROM ({consent_rows(consent - half, overlap)})", files["consent_overlap"])
    write(request_rows(requests), files["requests"])
    policies = " UNION ALL ".join(
        f"SELECT '{version}' AS policy_version, DATE '{version}' AS effective_date, "
        f"'Privacy Policy ({title})' AS title, 'https://example.com/privacy/{version}' AS url"
        for version, title in POLICIES)
    write(policies, files["policies"])
    return files


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consent", type=int, default=10_000_000, help="consent events (default 10,000,000)")
    parser.add_argument("--requests", type=int, default=1_000_000, help="requests (default 1,000,000)")
    parser.add_argument("--overlap", type=int, default=1_000_000, help="rows of the overlapping export")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "data")
    arguments = parser.parse_args(argv)
    for name, path in generate(arguments.out, arguments.consent, arguments.requests, arguments.overlap).items():
        print(f"{name}: {path} ({path.stat().st_size / 1e6:,.0f} MB)")


if __name__ == "__main__":
    main()

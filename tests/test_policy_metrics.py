"""Policy-version metrics (metrics.md "Policy versions") on small canonical exports.

tests/data/policies/catalogue.csv: legacy (effective 2022-01-01), 2023-06-01 (effective 06/01/2023,
month first), 2024-01-15 and 2024-01-15-de (both effective 2024-01-15), 2024-09-01 (effective after
the range).

tests/data/policies/consent.csv, per subject (UTC unless an offset is written):
  p1  2023-07-01 2023-06-01 | 2024-02-01 acknowledge 2024-01-15 (acknowledgements count for reach)
  p2  2023-08-01 2023-06-01 | 2024-03-10 no version (unknown: ignored)
  p3  2024-02-20T23:30:00-02:00 = 2024-02-21 01:30 UTC beta-2, app; beta-2 is not in the catalogue
      and this is its earliest row, so beta-2 takes effect 2024-02-21
  p4  2024-03-05 10:00 2024-01-15 AND beta-2 (same instant: beta-2, later effective date)
  p5  2024-01-20 10:00 legacy AND 2024-01-15 (same instant: 2024-01-15, later effective date,
      although 'legacy' is the greater key: a stale notice still shown somewhere)
  p6  2024-02-05 10:00 2024-01-15 AND 2024-01-15-de, app (same instant and effective date:
      the greater key, 2024-01-15-de)
  p7  2024-01-10 2023-06-01, email | 2024-04-02 2024-01-15 (after the range's end)
  p8  2024-03-01 no version only: no current version
Every row is channel web unless named above; p4's beta-2 row is research_development, as are
p5's 2024-01-15 row and p6's 2024-01-15-de row.
"""

import csv
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from dashboard.ingest import ingest_file
from dashboard.metrics import plain_rows as records
from dashboard.queries import run_query
from dashboard.store import open_store
from tests.conftest import open_copy, store_with

DATA = Path(__file__).parent / "data" / "policies"
RANGE = {"start": date(2024, 1, 1), "end": date(2024, 3, 31), "purposes": None, "channels": None, "regions": None}


@pytest.fixture(scope="module")
def policy_store_file(tmp_path_factory, empty_store_file):
    return store_with(tmp_path_factory, empty_store_file,
                      ("policies", DATA / "catalogue.csv"), ("consent", DATA / "consent.csv"))


@pytest.fixture
def policy_store(policy_store_file, tmp_path):
    with open_copy(policy_store_file, tmp_path) as connection:
        yield connection


def test_policy_versions_at_the_end_of_the_range(policy_store):
    # Current versions at the end of 2024-03-31: p1 2024-01-15, p2 2023-06-01, p3 beta-2,
    # p4 beta-2, p5 2024-01-15, p6 2024-01-15-de, p7 2023-06-01 (its April row is after the end);
    # p8 has none. 7 subjects with a current version.
    assert records(run_query(policy_store, "policy_versions", RANGE)) == [
        {"policy_version": "2023-06-01", "effective_date": "2023-06-01", "title": "Privacy Policy",
         "people_with_version": 7, "subjects_current": 2, "share_current": 0.2857, "is_latest": False},  # p2, p7: 2 / 7
        {"policy_version": "2024-01-15", "effective_date": "2024-01-15", "title": "Privacy Policy (January 2024)",
         "people_with_version": 7, "subjects_current": 2, "share_current": 0.2857, "is_latest": False},  # p1, p5: 2 / 7
        {"policy_version": "2024-01-15-de", "effective_date": "2024-01-15",
         "title": "Datenschutzerklärung (Januar 2024)",
         "people_with_version": 7, "subjects_current": 1, "share_current": 0.1429, "is_latest": False},  # p6: 1 / 7
        # Not in the catalogue: effective on the UTC date of its first row; the latest in force.
        {"policy_version": "beta-2", "effective_date": "2024-02-21", "title": None,
         "people_with_version": 7, "subjects_current": 2, "share_current": 0.2857, "is_latest": True},  # p3, p4: 2 / 7
        # In force, nobody on it: p5's legacy row lost the tie.
        {"policy_version": "legacy", "effective_date": "2022-01-01", "title": "Privacy Policy (2022)",
         "people_with_version": 7, "subjects_current": 0, "share_current": 0.0, "is_latest": False},
        # 2024-09-01 takes effect after the end and nobody is on it: not listed.
    ]


def test_policy_versions_earlier_end(policy_store):
    # At the end of 2024-02-15 beta-2 is not yet seen; 2024-01-15 and 2024-01-15-de share the
    # latest effective date and the greater key is the latest version.
    # Current: p1 2024-01-15 (02-01), p2 2023-06-01, p5 2024-01-15, p6 2024-01-15-de, p7 2023-06-01.
    rows = records(run_query(policy_store, "policy_versions", {**RANGE, "end": date(2024, 2, 15)}))
    assert [(row["policy_version"], row["subjects_current"], row["share_current"], row["is_latest"])
            for row in rows] == [
        ("2023-06-01", 2, 0.4, False),  # 2 / 5
        ("2024-01-15", 2, 0.4, False),  # 2 / 5
        ("2024-01-15-de", 1, 0.2, True),  # 1 / 5
        ("legacy", 0, 0.0, False),
    ]


def test_policy_versions_with_filters(policy_store):
    # Web rows only: p1 2024-01-15, p2 2023-06-01, p4 beta-2 (its web rows tie: beta-2),
    # p5 2024-01-15; p3 and p6 (app) and p7 (email) drop out. 4 subjects.
    # beta-2 keeps the effective date of its first row in the whole store (p3's, an app row).
    web = records(run_query(policy_store, "policy_versions", {**RANGE, "channels": ["web"]}))
    assert [(row["policy_version"], row["effective_date"], row["subjects_current"], row["share_current"])
            for row in web] == [
        ("2023-06-01", "2023-06-01", 1, 0.25),  # p2: 1 / 4
        ("2024-01-15", "2024-01-15", 2, 0.5),  # p1, p5: 2 / 4
        ("2024-01-15-de", "2024-01-15", 0, 0.0),  # in force, nobody on it
        ("beta-2", "2024-02-21", 1, 0.25),  # p4: 1 / 4
        ("legacy", "2022-01-01", 0, 0.0),
    ]

    # research_development rows only: p4 beta-2, p5 2024-01-15, p6 2024-01-15-de, one each of 3.
    research = records(run_query(policy_store, "policy_versions", {**RANGE, "purposes": ["research_development"]}))
    assert [(row["policy_version"], row["subjects_current"], row["share_current"]) for row in research] == [
        ("2023-06-01", 0, 0.0),
        ("2024-01-15", 1, 0.3333),  # 1 / 3
        ("2024-01-15-de", 1, 0.3333),
        ("beta-2", 1, 0.3333),
        ("legacy", 0, 0.0),
    ]


def test_policy_version_mix(policy_store):
    assert records(run_query(policy_store, "policy_version_mix", RANGE)) == [
        # End of January: p1, p2, p7 on 2023-06-01; p5 on 2024-01-15 (tie rule). 4 subjects.
        # beta-2 is not listed yet: first seen 02-21, nobody on it.
        {"month": "2024-01", "policy_version": "2023-06-01", "people_with_version": 4, "subjects_current": 3, "share_current": 0.75},  # 3 / 4
        {"month": "2024-01", "policy_version": "2024-01-15", "people_with_version": 4, "subjects_current": 1, "share_current": 0.25},  # 1 / 4
        {"month": "2024-01", "policy_version": "2024-01-15-de", "people_with_version": 4, "subjects_current": 0, "share_current": 0.0},
        {"month": "2024-01", "policy_version": "legacy", "people_with_version": 4, "subjects_current": 0, "share_current": 0.0},
        # End of February: p1 moved to 2024-01-15 (02-01), p3 joins on beta-2, p6 on -de. 6 subjects.
        {"month": "2024-02", "policy_version": "2023-06-01", "people_with_version": 6, "subjects_current": 2, "share_current": 0.3333},  # 2 / 6
        {"month": "2024-02", "policy_version": "2024-01-15", "people_with_version": 6, "subjects_current": 2, "share_current": 0.3333},  # 2 / 6
        {"month": "2024-02", "policy_version": "2024-01-15-de", "people_with_version": 6, "subjects_current": 1,
         "share_current": 0.1667},  # 1 / 6
        {"month": "2024-02", "policy_version": "beta-2", "people_with_version": 6, "subjects_current": 1, "share_current": 0.1667},  # 1 / 6
        {"month": "2024-02", "policy_version": "legacy", "people_with_version": 6, "subjects_current": 0, "share_current": 0.0},
        # End of March = the end of the range: as policy_versions, 7 subjects.
        {"month": "2024-03", "policy_version": "2023-06-01", "people_with_version": 7, "subjects_current": 2, "share_current": 0.2857},
        {"month": "2024-03", "policy_version": "2024-01-15", "people_with_version": 7, "subjects_current": 2, "share_current": 0.2857},
        {"month": "2024-03", "policy_version": "2024-01-15-de", "people_with_version": 7, "subjects_current": 1, "share_current": 0.1429},
        {"month": "2024-03", "policy_version": "beta-2", "people_with_version": 7, "subjects_current": 2, "share_current": 0.2857},
        {"month": "2024-03", "policy_version": "legacy", "people_with_version": 7, "subjects_current": 0, "share_current": 0.0},
    ]


def test_policy_version_mix_takes_the_last_partial_month_at_the_end_day(policy_store):
    mix = run_query(policy_store, "policy_version_mix", {**RANGE, "start": date(2024, 3, 1), "end": date(2024, 3, 4)})
    # At the end of 03-04 p4 (03-05) has no row yet: p2, p7 on 2023-06-01; p1, p5 on 2024-01-15;
    # p6 on -de; p3 on beta-2. 6 subjects.
    assert [(row["month"], row["policy_version"], row["subjects_current"], row["share_current"])
            for row in records(mix)] == [
        ("2024-03", "2023-06-01", 2, 0.3333),  # 2 / 6
        ("2024-03", "2024-01-15", 2, 0.3333),  # 2 / 6
        ("2024-03", "2024-01-15-de", 1, 0.1667),  # 1 / 6
        ("2024-03", "beta-2", 1, 0.1667),  # 1 / 6
        ("2024-03", "legacy", 0, 0.0),
    ]


def test_policy_adoption(policy_store):
    adoption = run_query(policy_store, "policy_adoption", RANGE)
    points = {
        (row["policy_version"], row["days_since_effective"]): row
        for row in records(adoption)
    }
    # Versions in the order of effective date, then key: legacy, 2023-06-01, 2024-01-15,
    # 2024-01-15-de, beta-2 (2024-09-01 is not in force by the end, so it has no curve).
    assert sorted({version for version, _ in points}) == [
        "2023-06-01", "2024-01-15", "2024-01-15-de", "beta-2", "legacy"]

    def figure(version, days):
        row = points[(version, days)]
        return row["as_of"], row["subjects_adopted"], row["subjects_with_version"], row["adoption_share"]

    # legacy is the earliest version: every subject with a current version is on it or a later
    # one. 2022-01-01 to 2024-03-31 is 820 days; at the end 7 / 7.
    assert figure("legacy", 820) == ("2024-03-31", 7, 7, 1.0)
    # 2023-06-01 on its first day: nobody has a current version, so no share.
    assert figure("2023-06-01", 0) == ("2023-06-01", 0, 0, None)
    # 30 days on (2023-07-01): p1 is on it: 1 / 1.
    assert figure("2023-06-01", 30) == ("2023-07-01", 1, 1, 1.0)
    # 2024-01-15, day 0: p1, p2, p7 still on 2023-06-01: 0 / 3.
    assert figure("2024-01-15", 0) == ("2024-01-15", 0, 3, 0.0)
    # Day 5 (01-20): p5 is on 2024-01-15 (tie rule): 1 / 4.
    assert figure("2024-01-15", 5) == ("2024-01-20", 1, 4, 0.25)
    # Day 17 (02-01): p1's acknowledge moves them to 2024-01-15: 2 / 4.
    assert figure("2024-01-15", 17) == ("2024-02-01", 2, 4, 0.5)
    # Last day (03-31, 76 days): p1, p5 on it, p6 on -de and p3, p4 on beta-2 count as later: 5 / 7.
    assert figure("2024-01-15", 76) == ("2024-03-31", 5, 7, 0.7143)
    # 2024-01-15-de is later than 2024-01-15 (same date, greater key), so 2024-01-15 does not count:
    # at the end p6 (-de) and p3, p4 (beta-2): 3 / 7.
    assert figure("2024-01-15-de", 76) == ("2024-03-31", 3, 7, 0.4286)
    # beta-2 from its first-seen date 2024-02-21: p3 alone of 6, then p4 on 03-05 (day 13): 2 / 7.
    assert figure("beta-2", 0) == ("2024-02-21", 1, 6, 0.1667)
    assert figure("beta-2", 12) == ("2024-03-04", 1, 6, 0.1667)
    assert figure("beta-2", 13) == ("2024-03-05", 2, 7, 0.2857)
    assert figure("beta-2", 39) == ("2024-03-31", 2, 7, 0.2857)


def test_policy_adoption_points_daily_then_weekly(policy_store):
    adoption = run_query(policy_store, "policy_adoption", RANGE)
    days = adoption.loc[adoption["policy_version"] == "2023-06-01", "days_since_effective"].tolist()
    # 2023-06-01 to 2024-03-31 is 304 days: every day up to 60, then every 7th (67, 74, ... 298),
    # then the end of the range: 61 + 34 + 1 points.
    assert days == list(range(61)) + list(range(67, 299, 7)) + [304]
    # beta-2 is 39 days old: every day.
    assert adoption.loc[adoption["policy_version"] == "beta-2", "days_since_effective"].tolist() == list(range(40))


def test_policy_adoption_stays_under_5000_rows(tmp_path):
    connection = open_store(tmp_path / "store.duckdb")
    catalogue = tmp_path / "forty_versions.csv"
    with catalogue.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["policy_version", "effective_date"])
        for number in range(40):  # one version every half year from 2000 on
            writer.writerow([f"v{number:02d}", (date(2000, 1, 1) + timedelta(days=182 * number)).isoformat()])
    ingest_file(connection, "policies", catalogue)
    adoption = run_query(connection, "policy_adoption", {**RANGE, "end": date(2024, 12, 31)})
    assert 0 < len(adoption) < 5000
    # Every version still ends on the end of the range.
    last_points = adoption.groupby("policy_version")["as_of"].max()
    assert (last_points == pd.Timestamp("2024-12-31")).all()
    connection.close()

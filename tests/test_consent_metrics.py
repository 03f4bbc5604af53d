"""Consent metrics (metrics.md "The date range" and "Consent") on small canonical exports.

tests/data/consent/choices.csv, the cases it holds (all times UTC unless an offset is written):

marketing
  s1  2023-12-15 10:00 opt_in (before the range) | 2024-02-10 09:00 opt_out AND opt_in (same instant)
  s2  2024-01-05 opt_in | 2024-03-31T23:30:00-02:00 opt_out = 2024-04-01 01:30 UTC, an April choice
  s3  2024-03-01 acknowledge (never a choice) | 2024-04-20 opt_in, channel email, no region
  s4  2024-04-30 23:59:59 opt_in (last second of the range) | 2024-05-01 00:00 opt_out (after it)
  s5  2024-04-30T22:00:00-03:00 opt_in = 2024-05-01 01:00 UTC, after the range
  s6  2024-03-10 08:00 opt_out, 18:00 opt_in (same day: the later one stands)
research_development
  s1  2024-01-20 opt_in | s2 2024-02-02T10:00:00+01:00 opt_out (09:00 UTC), 2024-03-15 opt_in
transaction_processing
  s1  2024-01-02 acknowledge only: no choice, so the purpose is not listed

Channels: s2 app, s3's opt_in email, everyone else web. Regions: s2 DE, s3 none, others US-CA.
"""

from datetime import date
from pathlib import Path

import pytest

from dashboard.ingest import ingest_file
from dashboard.metrics import default_range, year_start
from dashboard.metrics import plain_rows as records
from dashboard.queries import run_query
from tests.conftest import open_copy, store_with

DATA = Path(__file__).parent / "data" / "consent"
RANGE = {"start": date(2024, 1, 1), "end": date(2024, 4, 30), "purposes": None, "channels": None, "regions": None}


@pytest.fixture(scope="module")
def consent_store_file(tmp_path_factory, empty_store_file):
    return store_with(tmp_path_factory, empty_store_file, ("consent", DATA / "choices.csv"))


@pytest.fixture
def consent_store(consent_store_file, tmp_path):
    with open_copy(consent_store_file, tmp_path) as connection:
        yield connection


def test_default_range_is_empty_on_an_empty_store(store):
    assert records(run_query(store, "default_range")) == [{"end": None}]
    # The pages then take the twelve months to today.
    start, end = default_range(store)
    assert end == date.today() and start == year_start(date.today())


def test_default_range_ends_on_the_newest_consent_or_request_date(store):
    ingest_file(store, "consent", DATA / "choices.csv")
    # Newest occurred_at: s5's 2024-04-30T22:00:00-03:00 = 2024-05-01 01:00 UTC;
    # start = 2024-05-01 - 1 year + 1 day = 2023-05-02.
    assert default_range(store) == (date(2023, 5, 2), date(2024, 5, 1))

    ingest_file(store, "requests", DATA / "requests_newest.csv")
    # received_at 2024-06-15T23:30:00-02:00 = 2024-06-16 01:30 UTC is newer; its closed_at
    # (2024-09-01) does not move the range. start = 2024-06-16 - 1 year + 1 day = 2023-06-17.
    assert default_range(store) == (date(2023, 6, 17), date(2024, 6, 16))


def test_the_twelve_months_to_a_day_start_the_day_after_it_a_year_earlier():
    assert year_start(date(2024, 10, 31)) == date(2023, 11, 1)
    assert year_start(date(2024, 2, 29)) == date(2023, 3, 1)  # no 29 February in 2023
    assert year_start(date(2025, 3, 1)) == date(2024, 3, 2)


def test_the_overview_sets_standing_consent_against_the_day_before_the_range(consent_store):
    # The purposes people consent to, in the catalogue's order. At the end of 04-30 marketing stands as in
    # consent_by_purpose: 3 of 5 (0.6); at the end of 2023-12-31 only s1's December opt_in: 1 of 1. 0.6 - 1.0 = -0.4.
    # research_development: 2 of 2 at the end, nobody before: no rate before, so no change.
    rows = records(run_query(consent_store, "overview_consent", RANGE))
    assert [(row["purpose"], row["standing_subjects"], row["standing_opt_in_rate"], row["standing_subjects_before"],
             row["standing_opt_in_rate_before"], row["standing_opt_in_change"]) for row in rows
            if row["purpose"] in ("marketing", "research_development")] == [
        ("marketing", 5, 0.6, 1, 1.0, -0.4),
        ("research_development", 2, 1.0, 0, None, None),
    ]


def test_consent_by_purpose(consent_store):
    assert records(run_query(consent_store, "consent_by_purpose", RANGE)) == [
        {
            "purpose": "marketing",
            # In range: s1 in+out (02-10), s2 in (01-05) and out (04-01 UTC), s3 in, s4 in (04-30),
            # s6 out+in; not s1's December opt_in, s3's acknowledge, s4's and s5's May rows.
            "opt_ins": 5,  # s1, s2, s3, s4, s6
            "opt_outs": 3,  # s1, s2, s6
            "choices": 8,  # opt-ins + opt-outs
            "decision_opt_in_rate": 0.625,  # 5 / (5 + 3)
            # Standing at the end of 04-30: s1 out (tie at 02-10 09:00: opt_out wins), s2 out,
            # s3 in, s4 in (its opt_out is after the end), s6 in (18:00 is later than 08:00);
            # s5's only choice is after the end.
            "standing_subjects": 5,
            "standing_opt_ins": 3,
            "standing_opt_in_rate": 0.6,  # 3 / 5
        },
        {
            "purpose": "research_development",
            "opt_ins": 2,  # s1 01-20, s2 03-15
            "opt_outs": 1,  # s2 02-02
            "choices": 3,  # opt-ins + opt-outs
            "decision_opt_in_rate": 0.6667,  # 2 / 3
            "standing_subjects": 2,  # s1 in, s2 in (03-15 after 02-02)
            "standing_opt_ins": 2,
            "standing_opt_in_rate": 1.0,  # 2 / 2
        },
    ]


def test_consent_by_purpose_standing_moves_with_the_end_day(consent_store):
    # Ending on 05-01 brings in s4's opt_out and s5's opt_in (both 05-01 UTC): standing s1 out,
    # s2 out, s3 in, s4 out, s5 in, s6 in = 3 of 6; choices gain one opt_in and one opt_out.
    marketing = records(run_query(consent_store, "consent_by_purpose", {**RANGE, "end": date(2024, 5, 1)}))[0]
    assert marketing == {
        "purpose": "marketing",
        "opt_ins": 6,  # 5 + s5
        "opt_outs": 4,  # 3 + s4
        "choices": 10,  # opt-ins + opt-outs
        "decision_opt_in_rate": 0.6,  # 6 / 10
        "standing_subjects": 6,
        "standing_opt_ins": 3,
        "standing_opt_in_rate": 0.5,  # 3 / 6
    }


def test_a_purpose_with_standing_consent_but_no_choice_in_the_range_is_listed(consent_store):
    # Range 2024-04-21..2024-04-29: no research_development choice, but s1 and s2 stand opted in.
    rows = records(
        run_query(consent_store, "consent_by_purpose", {**RANGE, "start": date(2024, 4, 21), "end": date(2024, 4, 29)})
    )
    assert rows[1] == {
        "purpose": "research_development",
        "opt_ins": 0,
        "opt_outs": 0,
        "choices": 0,  # opt-ins + opt-outs
        "decision_opt_in_rate": None,  # no choice: no denominator
        "standing_subjects": 2,
        "standing_opt_ins": 2,
        "standing_opt_in_rate": 1.0,
    }


def test_filters_narrow_the_decisions_first(consent_store):
    web = records(run_query(consent_store, "consent_by_purpose", {**RANGE, "channels": ["web"]}))
    assert web == [
        {
            "purpose": "marketing",
            # web choices in range: s1 in+out, s4 in, s6 out+in
            "opt_ins": 3,
            "opt_outs": 2,
            "choices": 5,  # opt-ins + opt-outs
            "decision_opt_in_rate": 0.6,  # 3 / 5
            # standing among web rows: s1 out, s4 in, s6 in (s2 is app, s3's opt_in is email)
            "standing_subjects": 3,
            "standing_opt_ins": 2,
            "standing_opt_in_rate": 0.6667,  # 2 / 3
        },
        {
            "purpose": "research_development",
            "opt_ins": 1,  # s1 (s2 is app)
            "opt_outs": 0,
            "choices": 1,  # opt-ins + opt-outs
            "decision_opt_in_rate": 1.0,
            "standing_subjects": 1,
            "standing_opt_ins": 1,
            "standing_opt_in_rate": 1.0,
        },
    ]

    # A decision without a region is matched by 'unknown': only s3 (its acknowledge does not count).
    assert records(run_query(consent_store, "consent_by_purpose", {**RANGE, "regions": ["unknown"]})) == [
        {
            "purpose": "marketing",
            "opt_ins": 1,
            "opt_outs": 0,
            "choices": 1,  # opt-ins + opt-outs
            "decision_opt_in_rate": 1.0,  # 1 / 1
            "standing_subjects": 1,
            "standing_opt_ins": 1,
            "standing_opt_in_rate": 1.0,
        }
    ]

    only_research = run_query(consent_store, "consent_by_purpose", {**RANGE, "purposes": ["research_development"]})
    assert only_research["purpose"].tolist() == ["research_development"]
    assert only_research["opt_ins"].tolist() == [2]


def test_consent_monthly_trend(consent_store):
    columns = ["month", "purpose", "opt_ins", "opt_outs", "choices", "decision_opt_in_rate",
               "standing_subjects", "standing_opt_ins", "standing_opt_in_rate"]
    expected = [
        # January: s2 opts in; standing at 01-31: s1 in (since December), s2 in.
        ("2024-01", "marketing", 1, 0, 1, 1.0, 2, 2, 1.0),
        ("2024-01", "research_development", 1, 0, 1, 1.0, 1, 1, 1.0),  # s1
        # February: s1's tie (one in, one out, opt_out stands); standing s1 out, s2 in: 1 / 2.
        ("2024-02", "marketing", 1, 1, 2, 0.5, 2, 1, 0.5),
        ("2024-02", "research_development", 0, 1, 1, 0.0, 2, 1, 0.5),  # s2 out; s1 in, s2 out
        # March: s6 out then in on 03-10 (s2's 03-31T23:30-02:00 is April in UTC);
        # standing at 03-31: s1 out, s2 in, s6 in = 2 / 3.
        ("2024-03", "marketing", 1, 1, 2, 0.5, 3, 2, 0.6667),
        ("2024-03", "research_development", 1, 0, 1, 1.0, 2, 2, 1.0),  # s2 back in
        # April: s2 out (04-01 UTC), s3 in, s4 in (04-30 23:59:59); standing at 04-30 = by_purpose's.
        ("2024-04", "marketing", 2, 1, 3, 0.6667, 5, 3, 0.6),
        ("2024-04", "research_development", 0, 0, 0, None, 2, 2, 1.0),  # no choice: rate empty
    ]
    trend = run_query(consent_store, "consent_monthly_trend", RANGE)
    assert records(trend) == [dict(zip(columns, row)) for row in expected]
    # The months' choices add up to the range's: 5 opt_ins and 3 opt_outs for marketing.
    marketing = trend[trend["purpose"] == "marketing"]
    assert (marketing["opt_ins"].sum(), marketing["opt_outs"].sum()) == (5, 3)


def test_consent_monthly_trend_takes_the_last_partial_month_at_the_end_day(consent_store):
    trend = run_query(consent_store, "consent_monthly_trend", {**RANGE, "end": date(2024, 4, 15)})
    april = records(trend[(trend["month"] == "2024-04") & (trend["purpose"] == "marketing")])
    # Up to 04-15 April has only s2's opt_out; standing at 04-15: s1 out, s2 out, s6 in = 1 / 3.
    assert april == [
        {
            "month": "2024-04",
            "purpose": "marketing",
            "opt_ins": 0,
            "opt_outs": 1,
            "choices": 1,  # opt-ins + opt-outs
            "decision_opt_in_rate": 0.0,  # 0 / 1
            "standing_subjects": 3,
            "standing_opt_ins": 1,
            "standing_opt_in_rate": 0.3333,  # 1 / 3
        }
    ]


def test_consent_monthly_trend_counts_only_the_range_part_of_its_first_month(consent_store):
    trend = run_query(consent_store, "consent_monthly_trend", {**RANGE, "start": date(2024, 2, 11)})
    february = records(trend[trend["month"] == "2024-02"])
    # From 02-11 on, February has no marketing choice (s1's are on 02-10) and no research one
    # (s2's is on 02-02); standing is still taken at 02-29 over all earlier choices.
    assert [(row["purpose"], row["opt_ins"], row["opt_outs"], row["standing_subjects"], row["standing_opt_ins"])
            for row in february] == [("marketing", 0, 0, 2, 1), ("research_development", 0, 0, 2, 1)]
    assert trend["month"].unique().tolist() == ["2024-02", "2024-03", "2024-04"]


def test_consent_by_channel(consent_store):
    assert records(run_query(consent_store, "consent_by_channel", RANGE)) == [
        {"purpose": "marketing", "channel": "app", "opt_ins": 1, "opt_outs": 1, "choices": 2, "decision_opt_in_rate": 0.5},  # s2
        {"purpose": "marketing", "channel": "email", "opt_ins": 1, "opt_outs": 0, "choices": 1, "decision_opt_in_rate": 1.0},  # s3
        # s1 in+out, s4 in, s6 out+in: 3 / 5
        {"purpose": "marketing", "channel": "web", "opt_ins": 3, "opt_outs": 2, "choices": 5, "decision_opt_in_rate": 0.6},
        {"purpose": "research_development", "channel": "app", "opt_ins": 1, "opt_outs": 1, "choices": 2,
         "decision_opt_in_rate": 0.5},  # s2
        {"purpose": "research_development", "channel": "web", "opt_ins": 1, "opt_outs": 0, "choices": 1,
         "decision_opt_in_rate": 1.0},  # s1
    ]


def test_consent_by_region(consent_store):
    assert records(run_query(consent_store, "consent_by_region", RANGE)) == [
        {"purpose": "marketing", "region": "DE", "opt_ins": 1, "opt_outs": 1, "choices": 2, "decision_opt_in_rate": 0.5},  # s2
        # s1 in+out, s4 in, s6 out+in: 3 / 5
        {"purpose": "marketing", "region": "US-CA", "opt_ins": 3, "opt_outs": 2, "choices": 5, "decision_opt_in_rate": 0.6},
        # s3 has no region; its acknowledge is not a choice
        {"purpose": "marketing", "region": "unknown", "opt_ins": 1, "opt_outs": 0, "choices": 1, "decision_opt_in_rate": 1.0},
        {"purpose": "research_development", "region": "DE", "opt_ins": 1, "opt_outs": 1, "choices": 2,
         "decision_opt_in_rate": 0.5},  # s2
        {"purpose": "research_development", "region": "US-CA", "opt_ins": 1, "opt_outs": 0, "choices": 1,
         "decision_opt_in_rate": 1.0},  # s1
    ]


def test_consent_by_region_with_a_channel_filter(consent_store):
    # Only app decisions: s2 (DE) in both purposes.
    rows = records(run_query(consent_store, "consent_by_region", {**RANGE, "channels": ["app"]}))
    assert [(row["purpose"], row["region"], row["opt_ins"], row["opt_outs"]) for row in rows] == [
        ("marketing", "DE", 1, 1),
        ("research_development", "DE", 1, 1),
    ]

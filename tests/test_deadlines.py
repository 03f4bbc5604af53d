"""Due dates (metrics.md "Deadlines"): the deadline table applied by view request_facts to real uploads."""

import csv
import tomllib
from datetime import date
from pathlib import Path

import pytest

from dashboard import definitions
from dashboard.ingest import ingest_file
from dashboard.vocabulary import JURISDICTIONS, OUTSIDE_THE_US, US_LAWS
from tests.conftest import PROJECT

DATA = Path(__file__).parent / "data" / "requests"


@pytest.fixture
def store(store):
    """The shared fresh store (tests/conftest.py) with deadlines.csv loaded through the real ingest."""
    ingest_file(store, "requests", DATA / "deadlines.csv")
    return store


def due_dates(connection) -> dict[str, date]:
    rows = connection.execute("SELECT request_id, due_date FROM request_facts").fetchall()
    return dict(rows)


def test_gdpr_month_clamps_to_the_last_day_of_a_shorter_month(store):
    due = due_dates(store)
    assert due["G1"] == date(2023, 2, 28)  # 2023-01-31 + 1 month: February 2023 has no 31st
    assert due["G2"] == date(2024, 2, 29)  # 2024-01-31 23:30 + 1 month: leap year, same UTC day
    assert due["G4"] == date(2024, 4, 30)  # UK_GDPR 2024-03-31 + 1 month: April has no 31st


def test_gdpr_extension_is_three_months_from_receipt_clamped(store):
    # 2024-01-31 + 3 months = April 31st, which does not exist -> 2024-04-30
    # (not 2024-02-29 + 2 months = 2024-04-29).
    assert due_dates(store)["G3"] == date(2024, 4, 30)


def test_ccpa_opt_out_and_limit_take_fifteen_business_days(store):
    due = due_dates(store)
    # Saturday 2024-01-06: business days Mon 8 .. Fri 12 (5), Mon 15 .. Fri 19 (10), Mon 22 .. Fri 26 (15).
    assert due["C1"] == date(2024, 1, 26)
    # Sunday 2024-01-07 counts the same way: Monday the 8th is the first business day.
    assert due["C2"] == date(2024, 1, 26)
    # Wednesday 2024-01-03: three whole weeks of five business days -> Wednesday 2024-01-24.
    assert due["C3"] == date(2024, 1, 24)
    # The opt-out deadline has no extension: extended=true changes nothing.
    assert due["C4"] == date(2024, 1, 26)


def test_calendar_day_deadlines_and_their_extensions(store):
    due = due_dates(store)
    assert due["C5"] == date(2024, 2, 20)  # CCPA access: 2024-01-06 + 45 = Jan 31 (+25) + 20 days
    assert due["C6"] == date(2024, 4, 5)  # extended: + 90 = Jan 31 (25) + Feb 29 (29) + Mar 31 (31) + 5
    assert due["V1"] == date(2024, 2, 20)  # VCDPA deletion: 45 calendar days, as CCPA access
    assert due["P1"] == date(2024, 2, 5)  # PIPL: 30 days, no extension: Jan 31 (+25) + 5 days
    assert due["U1"] == date(2024, 2, 5)  # no jurisdiction -> unspecified: 30 days


def test_every_law_has_its_words_a_deadline_with_its_source_and_a_label():
    rules = list(csv.DictReader((PROJECT / "data" / "deadlines.csv").read_text(encoding="utf-8").splitlines()))
    labels = tomllib.loads((PROJECT / "data" / "labels.toml").read_text(encoding="utf-8"))["jurisdiction"]
    assert {rule["jurisdiction"] for rule in rules} == set(JURISDICTIONS) == set(labels)
    assert [rule["jurisdiction"] for rule in rules if not rule["source"].strip()] == []
    # Twenty laws and the default for requests that name none.
    assert len(JURISDICTIONS) == 23
    # Each law is in the CCPA report's US scope or outside it, once.
    assert sorted([*US_LAWS, *OUTSIDE_THE_US]) == sorted(JURISDICTIONS)


def test_state_laws_in_force_since_2024_take_their_own_deadlines(store):
    due = due_dates(store)
    # Iowa (ICDPA, Iowa Code §715D.3(2)(a)): 90 days. 2025-01-20 + 90 = Jan 31 (+11), Feb 28 (+28), Mar 31 (+31),
    # then 20 more: 2025-04-20.
    assert due["I1"] == date(2025, 4, 20)
    # Extended once by 45: 2025-04-20 + 45 = Apr 30 (+10), May 31 (+31), then 4 more: 2025-06-04.
    assert due["I2"] == date(2025, 6, 4)
    # Texas (TDPSA, written US-TX), 45 calendar days from Saturday 2024-06-01: weekends count, Jun 30 (+29) then
    # 16 more: Tuesday 2024-07-16.
    assert due["T1"] == date(2024, 7, 16)
    assert dict(store.execute("SELECT request_id, jurisdiction FROM requests WHERE request_id IN ('I1', 'T1')")
                .fetchall()) == {"I1": "ICDPA", "T1": "TDPSA"}
    # New Hampshire (NHPA), extended: 45 + 45 = 90 days from Saturday 2025-12-13: Dec 31 (+18), Jan 31 (+31), Feb 28
    # (+28), then 13 more: 2026-03-13.
    assert due["N1"] == date(2026, 3, 13)
    # Kentucky (KCDPA, written US-KY), 45 days from 2026-01-31, the end of a month: Feb 28 (+28), then 17 more.
    assert due["K1"] == date(2026, 3, 17)


@pytest.mark.parametrize(
    ("received", "business_days", "expected"),
    [
        (date(2024, 1, 5), 1, date(2024, 1, 8)),  # Friday + 1 -> Monday
        (date(2024, 1, 6), 1, date(2024, 1, 8)),  # Saturday + 1 -> Monday
        (date(2024, 1, 3), 3, date(2024, 1, 8)),  # Wednesday + 3: Thu, Fri, Mon
        (date(2024, 1, 4), 5, date(2024, 1, 11)),  # Thursday + 5 -> next Thursday
        (date(2024, 1, 6), 15, date(2024, 1, 26)),  # Saturday + 15 -> Friday three weeks on
    ],
)
def test_workday_counts_like_a_spreadsheet(store, received, business_days, expected):
    result = store.execute(
        "SELECT workday($received::DATE, $days)", {"received": received, "days": business_days}
    ).fetchone()[0]
    assert result == expected


def test_the_definitions_page_lists_every_rule_in_words_with_its_source():
    rules = definitions.deadline_rules().set_index(["Law", "Request types"])
    # data/deadlines.csv: Iowa 90 days plus 45; the CCPA's opt-out and limit 15 business days without extension,
    # its other types 45 plus 45; the GDPR a month plus two.
    assert rules.loc[("ICDPA (Iowa)", "Every type"), ["Deadline", "Extension"]].tolist() == [
        "90 calendar days", "45 calendar days"]
    assert rules.loc[("CCPA (California)", "Opt-out of sale/sharing, Limit use of sensitive data"),
                     ["Deadline", "Extension"]].tolist() == ["15 business days", "None"]
    assert rules.loc[("CCPA (California)", "Every other type"), "Deadline"] == "45 calendar days"
    assert rules.loc[("GDPR (EU/EEA)", "Every type"), ["Deadline", "Extension"]].tolist() == ["1 month", "2 months"]
    assert rules["Source"].str.len().gt(0).all()


def test_every_state_law_of_forty_five_days_and_its_extension_from_a_saturday_month_end(store):
    ingest_file(store, "requests", DATA / "state_laws.csv")
    due = due_dates(store)
    laws = dict(store.execute("SELECT request_id, jurisdiction FROM requests WHERE request_id IN "
                              "('OR', 'MT', 'DE', 'NJ', 'TN', 'MN', 'MD', 'NE', 'IN', 'RI')").fetchall())
    assert laws == {"OR": "OCPA", "MT": "MCDPA_MT", "DE": "DPDPA_DE", "NJ": "NJDPA", "TN": "TIPA", "MN": "MCDPA_MN",
                    "MD": "MODPA", "NE": "NDPA_NE", "IN": "INCDPA", "RI": "RIDTPPA"}
    for state in laws:
        # Saturday 2025-05-31, the last day of May: + 45 calendar days = Jun 30 (+30), then 15 more: 2025-07-15.
        assert due[state] == date(2025, 7, 15), state
        # Extended once by 45: + 90 = Jun 30 (+30), Jul 31 (+61), Aug 29 (+90).
        assert due[state + "+"] == date(2025, 8, 29), state

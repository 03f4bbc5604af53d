"""Notice reach (metrics.md "Consent", notice reach): people shown a notice, of them those who chose, and the
no-choice rate, counted by hand from tests/data/consent/reach.csv over March 2024:

| person | in March 2024                                                     | notice          | marketing        |
|--------|-------------------------------------------------------------------|-----------------|------------------|
| p1     | banner view (notice) on 2 Mar, marketing opt-in a minute later    | shown, chose    |                  |
| p2     | banner view on 5 Mar, nothing else                                | shown, no choice |                 |
| p3     | banner view on 6 Mar; a marketing opt-out on 20 Feb, before March | shown, no choice |                 |
| p4     | marketing shown on 10 Mar (app) and opt-out 5 s later; shown again on 15 Mar |      | shown once, chose |
| p5     | marketing shown on 11 Mar; a research opt-in on 12 Mar            |                 | shown, no choice |
| p6     | marketing shown 31 Mar 23:00; opt-in on 1 April, after March      |                 | shown, no choice |
| p8     | marketing shown on 20 Mar, opt-in on 21 Mar                       |                 | shown, chose     |
| p7     | marketing shown on 2 April, after March                           |                 | (not counted)    |

Notice: 3 shown, 1 chose (p1, a choice for any purpose), no-choice rate 2 / 3. Marketing: 4 shown, 2 chose (p4,
p8), 2 / 4.
"""

import json
from datetime import date
from pathlib import Path

import pytest

from dashboard import metrics
from tests.conftest import copy_store, dashboard, open_copy, open_page_for_range, store_with

DATA = Path(__file__).parent / "data" / "consent"


@pytest.fixture(scope="module")
def reach_store_file(tmp_path_factory, empty_store_file):
    return store_with(tmp_path_factory, empty_store_file, ("consent", DATA / "reach.csv"))


def reach(store_file, tmp_path, **selections) -> dict[str, tuple]:
    with open_copy(store_file, tmp_path) as connection:
        frame = metrics.figure(connection, "consent_reach", metrics.Filters(date(2024, 3, 1), date(2024, 3, 31),
                                                                             **selections))
    return {row.purpose: (row.people_shown, row.people_chose, row.no_choice_rate) for row in frame.itertuples()}


def test_people_shown_a_notice_and_those_who_chose(reach_store_file, tmp_path):
    assert reach(reach_store_file, tmp_path) == {"marketing": (4, 2, 0.5), "notice": (3, 1, 0.6667)}


def test_the_filters_narrow_reach(reach_store_file, tmp_path):
    # The web channel leaves out p4 (app): marketing 3 shown (p5, p6, p8), 1 chose (p8).
    assert reach(reach_store_file, tmp_path, channels=("web",)) == {"marketing": (3, 1, 0.6667),
                                                                    "notice": (3, 1, 0.6667)}
    # A purpose filter keeps that purpose's notices only.
    assert reach(reach_store_file, tmp_path, purposes=("marketing",)) == {"marketing": (4, 2, 0.5)}


def test_shown_rows_are_no_choices(reach_store_file, tmp_path):
    with open_copy(reach_store_file, tmp_path) as connection:
        by_purpose = metrics.figure(connection, "consent_by_purpose", metrics.Filters(date(2024, 3, 1),
                                                                                      date(2024, 3, 31)))
    marketing = by_purpose.set_index("purpose").loc["marketing"]
    # p1 and p8 opted in, p4 opted out in March; p6's opt-in is April's: no `shown` row is a choice.
    assert (marketing["opt_ins"], marketing["opt_outs"]) == (2, 1)


def test_metrics_carries_reach_and_hides_it_under_min_cell(reach_store_file):
    document = json.loads(dashboard("metrics", "--start", "2024-03-01", "--end", "2024-03-31",
                                    db=reach_store_file).stdout)
    assert document["consent"]["reach"] == [
        {"purpose": "marketing", "people_shown": 4, "people_chose": 2, "no_choice_rate": 0.5},
        {"purpose": "notice", "people_shown": 3, "people_chose": 1, "no_choice_rate": 0.6667}]
    hidden = json.loads(dashboard("metrics", "--start", "2024-03-01", "--end", "2024-03-31", "--min-cell", "4",
                                  db=reach_store_file).stdout)
    # Notice: 3 shown is under 4, so its rate is left out; marketing's 4 stand, its 2 who chose read <4.
    assert hidden["consent"]["reach"] == [
        {"purpose": "marketing", "people_shown": 4, "people_chose": "<4", "no_choice_rate": 0.5},
        {"purpose": "notice", "people_shown": "<4", "people_chose": "<4", "no_choice_rate": None}]


@pytest.fixture
def app_store(reach_store_file, tmp_path):
    """The AppTest dashboard (conftest.app) on a copy of the reach store."""
    return copy_store(reach_store_file, tmp_path)


def test_the_consent_page_shows_who_was_shown_a_notice(app):
    open_page_for_range(app, "views/consent.py", date(2024, 3, 1), date(2024, 3, 31))
    (table,) = [frame.value for frame in app.dataframe if "People shown a notice" in frame.value.columns]
    assert table[["Purpose", "People shown a notice", "Of them, chose"]].values.tolist() == [
        ["Marketing", 4, 2], ["Notice", 3, 1]]
    assert table["No-choice rate"].round(1).tolist() == [50.0, 66.7]  # shown as percentages

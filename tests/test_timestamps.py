"""Every timestamp form of the data contract, read as UTC whatever the session's time zone."""

from datetime import datetime

import pytest

FORMS = [
    ("2023-06-01", "mdy", datetime(2023, 6, 1)),
    ("2023-06-01 10:00", "mdy", datetime(2023, 6, 1, 10, 0)),  # no offset means UTC
    ("2023-01-01T10:00:00+02:00", "mdy", datetime(2023, 1, 1, 8, 0)),
    ("2023-06-01 23:30:00-05:00", "mdy", datetime(2023, 6, 2, 4, 30)),  # crosses midnight
    ("2023-06-01 10:00:00+0530", "mdy", datetime(2023, 6, 1, 4, 30)),
    ("2023-06-01T10:00:00+02", "mdy", datetime(2023, 6, 1, 8, 0)),
    ("2021-08-27 14:02:48.539000+00:00", "mdy", datetime(2021, 8, 27, 14, 2, 48, 539000)),  # str(datetime)
    ("2023-06-01T10:00:00.1234567Z", "mdy", datetime(2023, 6, 1, 10, 0, 0, 123456)),
    ("2023-06-01 UTC", "mdy", datetime(2023, 6, 1)),
    ("1700000000", "mdy", datetime(2023, 11, 14, 22, 13, 20)),  # epoch seconds
    ("1700000000123", "mdy", datetime(2023, 11, 14, 22, 13, 20, 123000)),  # 1e11 or more: milliseconds
    ("3/14/2023 14:30", "mdy", datetime(2023, 3, 14, 14, 30)),
    ("06/01/2023", "mdy", datetime(2023, 6, 1)),
    ("06/01/2023", "dmy", datetime(2023, 1, 6)),
    ("1/2/23 2:05 PM", "mdy", datetime(2023, 1, 2, 14, 5)),
    ("12/31/2023 12:00 AM", "mdy", datetime(2023, 12, 31, 0, 0)),
    ("2023-02-30", "mdy", None),
    ("14/3/2023", "mdy", None),  # the column's order decides; 14 cannot be a month
    ("next tuesday", "mdy", None),
]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """One store for every form: parsing reads nothing stored, and opening a store per case cost most of the time."""
    from dashboard.store import open_store

    connection = open_store(tmp_path_factory.mktemp("timestamps") / "store.duckdb")
    yield connection
    connection.close()


@pytest.mark.parametrize("text, order, expected", FORMS, ids=[f"{text}-{order}" for text, order, _ in FORMS])
@pytest.mark.parametrize("session_zone", ["UTC", "America/New_York", "Pacific/Auckland"])
def test_parse_timestamp(store, session_zone, text, order, expected):
    cursor = store.cursor()
    try:
        cursor.execute("SET TimeZone = $zone", {"zone": session_zone})
        assert cursor.execute("SELECT parse_timestamp($text, $order)", {"text": text, "order": order}).fetchall() == [
            (expected,)
        ]
    finally:
        cursor.close()

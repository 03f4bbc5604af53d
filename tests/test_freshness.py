"""Every page says how fresh its data is, and warns when the newest data is older than the setting.

tests/data/consent/choices.csv is a small consent export whose newest choice is on 2024-05-01 (sort its occurred_at column);
loaded as a company's own export (not the sample), it is years older than today.
"""

from datetime import date

import pytest

from dashboard.ingest import ingest_file
from dashboard.store import open_store
from tests.conftest import PROJECT, app_test

CHOICES = PROJECT / "tests" / "data" / "consent" / "choices.csv"


@pytest.fixture
def old_store(tmp_path, monkeypatch):
    path = tmp_path / "own" / "store.duckdb"
    path.parent.mkdir()
    connection = open_store(path)
    ingest_file(connection, "consent", CHOICES, loaded_by="analyst@example.com")
    connection.close()
    return path


def open_app(store, monkeypatch, **environment):
    import streamlit as st
    monkeypatch.setenv("PRIVACY_DASHBOARD_DB", str(store))
    monkeypatch.setenv("PRIVACY_DASHBOARD_ENDPOINTS_CHECKED", "1")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    st.cache_resource.clear()
    st.cache_data.clear()
    app = app_test(PROJECT / "dashboard" / "app.py")
    app.run()
    assert not app.exception
    return app


def test_old_data_is_named_and_warned_about(old_store, monkeypatch):
    app = open_app(old_store, monkeypatch)
    newest = date(2024, 5, 1)
    age = (date.today() - newest).days
    assert age > 35
    (warning,) = [warning.value for warning in app.warning if "newest data" in warning.value]
    assert warning == (f"The newest data is from 01 May 2024, {age:,} days ago (more than the 35 days set as fresh). "
                       "Load the latest exports on the Data page.")
    assert any(caption.value.startswith(":material/update: Data to 01 May 2024 · last upload ")
               for caption in app.sidebar.caption)


def test_the_setting_moves_or_silences_the_warning(old_store, monkeypatch):
    app = open_app(old_store, monkeypatch, PRIVACY_DASHBOARD_STALE_AFTER_DAYS="0")
    assert not [warning for warning in app.warning if "newest data" in warning.value]
    # The date is still said, warning or not.
    assert any("Data to 01 May 2024" in caption.value for caption in app.sidebar.caption)


def test_an_unusable_setting_is_said_in_one_line(old_store, monkeypatch):
    app = open_app(old_store, monkeypatch, PRIVACY_DASHBOARD_STALE_AFTER_DAYS="soon")
    assert any("PRIVACY_DASHBOARD_STALE_AFTER_DAYS: stale_after_days must be a whole number, 0 (never warn) or "
               "more, not 'soon'" in caption.value for caption in app.sidebar.caption)

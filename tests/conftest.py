"""Shared fixtures: real store files, the folder of small test exports, and the app under AppTest."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.store import open_store

TEST_DATA = Path(__file__).parent / "data"
PROJECT = Path(__file__).resolve().parent.parent
APP = PROJECT / "dashboard" / "app.py"
# Debian's Chromium, driven by Playwright (its own browser download is not used).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


@pytest.fixture(autouse=True)
def saved_profiles(tmp_path_factory, monkeypatch) -> Path:
    """Profiles a test saves go to a folder of its own, never into the project's data/profiles/saved/."""
    folder = tmp_path_factory.mktemp("saved-profiles")
    monkeypatch.setenv("PRIVACY_DASHBOARD_PROFILES", str(folder))
    return folder


@pytest.fixture(scope="session")
def empty_store_file(tmp_path_factory) -> Path:
    """A new, empty store, made once: tests start from copies of it (making one costs more than copying)."""
    path = tmp_path_factory.mktemp("empty-store") / "store.duckdb"
    open_store(path).close()
    return path


@pytest.fixture
def store(tmp_path, empty_store_file):
    connection = open_store(copy_store(empty_store_file, tmp_path))
    yield connection
    connection.close()


@pytest.fixture
def test_data() -> Path:
    return TEST_DATA


@pytest.fixture(scope="session")
def sample_store_file(tmp_path_factory) -> Path:
    """A store holding the bundled sample, built once; tests work on copies of it."""
    from dashboard.shell import load_sample

    path = tmp_path_factory.mktemp("sample-store") / "store.duckdb"
    connection = open_store(path)
    load_sample(connection)
    connection.close()
    return path


@pytest.fixture(scope="session")
def sample_metrics(sample_store_file) -> dict:
    """`python -m dashboard metrics` on the sample store (default range): what the pages must show."""
    result = subprocess.run(
        [sys.executable, "-m", "dashboard", "metrics", "--db", str(sample_store_file)],
        cwd=PROJECT, capture_output=True, text=True, check=True, timeout=120,
    )
    return json.loads(result.stdout)


def stored_text(store) -> set[str]:
    """Every distinct text value of every table of the store, as SQL sees it (compression cannot hide one)."""
    columns = store.execute(
        """SELECT table_name, column_name FROM duckdb_columns()
           WHERE NOT internal AND database_name = current_database() AND data_type LIKE 'VARCHAR%'"""
    ).fetchall()
    cells = set()
    for table, column in columns:
        # Names from the store's own catalogue, quoted; a test reading every column, not user input.
        cells.update(value for (value,) in store.execute(f'SELECT DISTINCT "{column}"::VARCHAR FROM "{table}"').fetchall())
    cells.discard(None)
    return cells


def copy_store(source: Path, folder: Path) -> Path:
    target = folder / source.name
    shutil.copy(source, target)
    key = source.with_name(source.name + ".key")
    if key.exists():
        shutil.copy(key, target.with_name(target.name + ".key"))
    return target


@pytest.fixture
def app_store(tmp_path, sample_store_file) -> Path:
    """A fresh copy of the sample store for one test."""
    return copy_store(sample_store_file, tmp_path)


@pytest.fixture
def app(app_store, monkeypatch):
    """The dashboard under AppTest on its own copy of the sample store, with empty caches.

    Open a page with `app.switch_page("views/consent.py").run()`.
    """
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("PRIVACY_DASHBOARD_DB", str(app_store))
    # AppTest runs the pages' entry file alone; dashboard/server.py, which checks the endpoints, is not loaded.
    monkeypatch.setenv("PRIVACY_DASHBOARD_ENDPOINTS_CHECKED", "1")
    # Caches live as long as the process: without this a test would see the previous test's store.
    st.cache_resource.clear()
    st.cache_data.clear()
    return AppTest.from_file(str(APP), default_timeout=60)


@pytest.fixture
def data_page(app):
    """The Data page under AppTest, drawn once."""
    app.switch_page("views/data.py").run()
    assert not app.exception
    return app


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium for the browser tests of one module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh tab (its own cookies), wide enough for the pages' layout, that accepts downloads."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    tab = context.new_page()
    yield tab
    context.close()


# Fixtures that start a real `streamlit run`, an identity provider or a browser: a test using one is slow.
SERVER_FIXTURES = frozenset({"browser", "page", "server", "dashboard", "held_and_free", "signed", "analyst",
                             "provider"})


def pytest_collection_modifyitems(items):
    """Mark the tests that need a real server or browser `slow` (tests that start one themselves say so)."""
    for item in items:
        if SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)

"""Shared fixtures: real store files, the folder of small test exports, and the app under AppTest."""

import fcntl
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from functools import cache
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
def saved_profiles(tmp_path_factory, monkeypatch, request) -> Path:
    """Profiles a test saves go to a folder of its own, never into the project's data/profiles/saved/."""
    folder = tmp_path_factory.mktemp("saved-profiles")
    monkeypatch.setenv("PRIVACY_DASHBOARD_PROFILES", str(folder))
    if "app" not in request.fixturenames:
        _CACHES_FILLED_FROM.clear()  # a test without the `app` fixture may fill Streamlit's caches its own way
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


def store_with(tmp_path_factory, empty_store_file: Path, *loads: tuple[str, Path]) -> Path:
    """A store file with the given (kind, file) loads through the real ingest: made once by a module-scoped
    fixture, and opened by each test as a copy (open_copy), since loading costs far more than copying."""
    return store_and_reports(tmp_path_factory, empty_store_file, *loads)[0]


def store_and_reports(tmp_path_factory, empty_store_file: Path, *loads: tuple[str, Path]) -> tuple[Path, list]:
    """store_with, and the report of each load in order."""
    from dashboard.ingest import ingest_file

    path = copy_store(empty_store_file, tmp_path_factory.mktemp("loaded-store"))
    connection = open_store(path)
    try:
        reports = [ingest_file(connection, kind, file) for kind, file in loads]
    finally:
        connection.close()
    return path, reports


@contextmanager
def open_copy(store_file: Path, folder: Path):
    """A test's own connection to a copy of a store file."""
    connection = open_store(copy_store(store_file, folder))
    try:
        yield connection
    finally:
        connection.close()


def dashboard(*arguments, db=None, env: dict | None = None) -> subprocess.CompletedProcess:
    """`python -m dashboard ARGUMENTS [--db DB]`, run by its main() in this process (as __main__.py runs it),
    with `env` over the environment for the call (a value None unsets it): its exit status, standard output and
    standard error, as the process would give them. A new interpreter costs about a second a command; the tests
    of the process itself (a scheduled job's) use dashboard_process."""
    from dashboard.cli import main

    command = [*map(str, arguments), *(["--db", str(db)] if db is not None else [])]
    out, err = io.StringIO(), io.StringIO()
    saved = {name: os.environ.get(name) for name in (env or {})}
    _set_environment(env or {})
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                status = main(command)
            except SystemExit as exit_:  # argparse's usage errors
                status = exit_.code if isinstance(exit_.code, int) else 1
    finally:
        _set_environment(saved)
    return subprocess.CompletedProcess(["python", "-m", "dashboard", *command], status, out.getvalue(),
                                       err.getvalue())


def dashboard_process(*arguments, db=None, env: dict | None = None, timeout: int = 120) -> subprocess.CompletedProcess:
    """`python -m dashboard ARGUMENTS [--db DB]` as a process of its own, from the project folder, as a scheduled
    job runs it; `env` over this environment (a value None unsets it)."""
    command = [sys.executable, "-m", "dashboard", *map(str, arguments), *(["--db", str(db)] if db is not None else [])]
    environment = {**os.environ, **(env or {})}
    return subprocess.run(command, check=False, cwd=PROJECT, capture_output=True, text=True, timeout=timeout,
                          env={name: value for name, value in environment.items() if value is not None})


def _set_environment(values: dict) -> None:
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture
def test_data() -> Path:
    return TEST_DATA


def made_once(tmp_path_factory, name: str, make) -> Path:
    """The folder `make(folder)` filled, made once in a test run: pytest-xdist runs a worker per core, and the
    first to ask makes it while the others wait on its lock (each then works on copies of its own)."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        folder = tmp_path_factory.mktemp(name)
        make(folder)
        return folder
    folder = tmp_path_factory.getbasetemp().parent / name  # the run's folder, which every worker's is in
    folder.mkdir(exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # held while one worker makes it; released when the file closes
        if not (folder / ".made").exists():
            make(folder)
            (folder / ".made").touch()
    return folder


def _make_sample_store(folder: Path) -> None:
    from dashboard.shell import load_sample

    connection = open_store(folder / "store.duckdb")
    load_sample(connection)
    connection.close()
    # `python -m dashboard metrics` on it (default range): what the pages must show.
    result = dashboard("metrics", db=folder / "store.duckdb")
    assert result.returncode == 0, result.stderr
    (folder / "metrics.json").write_text(result.stdout, encoding="utf-8")


@pytest.fixture(scope="session")
def made_sample(tmp_path_factory) -> Path:
    """The bundled sample loaded into a store, and the metrics document of that store: made once a run."""
    return made_once(tmp_path_factory, "sample-made-once", _make_sample_store)


@pytest.fixture(scope="session")
def sample_store_file(tmp_path_factory, made_sample) -> Path:
    """A store holding the bundled sample, this worker's own (a store file is one process's to open for
    writing, and some tests open this one); tests work on copies of it."""
    return copy_store(made_sample / "store.duckdb", tmp_path_factory.mktemp("sample-store"))


@pytest.fixture(scope="session")
def sample_metrics(made_sample) -> dict:
    """`python -m dashboard metrics` on the sample store (default range): what the pages must show."""
    return json.loads((made_sample / "metrics.json").read_text(encoding="utf-8"))


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

    monkeypatch.setenv("PRIVACY_DASHBOARD_DB", str(app_store))
    # AppTest runs the pages' entry file alone; dashboard/server.py, which checks the endpoints, is not loaded.
    monkeypatch.setenv("PRIVACY_DASHBOARD_ENDPOINTS_CHECKED", "1")
    # Caches live as long as the process and are keyed by the store's version, not its file: a test on
    # another store than the previous test's starts with empty ones, or it would see that store's figures.
    # Tests of one module that share a copy they only read (shared_app_store) keep what the earlier ones
    # computed, as a server's sessions do.
    if _CACHES_FILLED_FROM.get("store") != app_store:
        st.cache_resource.clear()
        st.cache_data.clear()
        _CACHES_FILLED_FROM["store"] = app_store
    return app_test(APP)


_CACHES_FILLED_FROM: dict = {}


def open_page_for_range(app, page: str, start, end):
    """The dashboard (AppTest) with a custom range chosen in the sidebar, then `page` ("views/consent.py") opened."""
    app.run()
    app.sidebar.selectbox(key="period").set_value("Custom").run()
    app.sidebar.date_input(key="dates").set_value((start, end)).run()
    app.switch_page(page).run()
    assert not app.exception
    return app


def app_test(script: Path, timeout: int = 60):
    """Streamlit's AppTest of a script, sharing this process's scan of the installed packages for components: a
    new AppTest scans them all again on its first run (most of a second, for the same answer in one run)."""
    from streamlit.testing.v1 import AppTest

    test = AppTest.from_file(str(script), default_timeout=timeout)
    test._bidi_component_manager = _installed_components()  # what AppTest._run would make, made once
    return test


@cache
def _installed_components():
    from streamlit.components.v2.component_manager import BidiComponentManager

    manager = BidiComponentManager()
    manager.discover_and_register_components(start_file_watching=False)
    return manager


def shared_app_store(name: str):
    """A module's `app_store` fixture for tests that only read the store: one copy of the sample for the
    module, whose version is checked after its last test (a test that wrote would fail the module)."""

    @pytest.fixture(scope="module")
    def app_store(tmp_path_factory, sample_store_file):
        from dashboard.server_connection import held_connection
        from dashboard.store import store_version

        store = copy_store(sample_store_file, tmp_path_factory.mktemp(name))
        # The connection the pages use (AppTest runs them in this process), opened as they would open it.
        before = store_version(held_connection(store)[0])
        yield store
        assert store_version(held_connection(store)[0]) == before, f"a test of {name} changed its shared store"

    return app_store


@pytest.fixture
def data_page(app):
    """The Data page under AppTest, drawn once."""
    app.switch_page("views/data.py").run()
    assert not app.exception
    return app


@pytest.fixture(scope="session")
def chromium():
    """Headless Chromium, started once by each worker that runs a browser test."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def browser(chromium):
    """Headless Chromium for the browser tests of one module: every tab a test opens is in a context of its
    own (its own cookies), and whatever the module's tests left open is closed after its last test, as if
    the browser had been closed (its pages stop talking to the module's servers)."""
    yield chromium
    for context in chromium.contexts:
        context.close()


@pytest.fixture
def page(browser):
    """A fresh tab (its own cookies), wide enough for the pages' layout, that accepts downloads."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    tab = context.new_page()
    yield tab
    context.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# The people the local identity provider knows (tests/test_sign_in.py gives their roles).
PEOPLE = {"ana": "ana@retail.example", "vic": "vic@retail.example", "eve": "eve@elsewhere.example"}


@pytest.fixture(scope="session")
def provider(tmp_path_factory):
    """oidc-provider-mock on a free port, knowing three people; its base URL. It keeps nothing between
    sign-ins but the codes it hands out, so every sign-in test's server uses the one of its worker."""
    port = free_port()
    claims = [arg for sub, email in PEOPLE.items()
              for arg in ("--user-claims", json.dumps({"sub": sub, "email": email, "email_verified": True}))]
    log = tmp_path_factory.mktemp("provider") / "provider.log"
    process = subprocess.Popen([sys.executable, "-m", "oidc_provider_mock", "--port", str(port), *claims],
                               stdout=log.open("w"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{base}/.well-known/openid-configuration", timeout=2):
                break
        except OSError:
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.05)  # polling until it answers
    yield base
    process.terminate()
    process.wait(timeout=20)


# Fixtures that start a real `streamlit run`, an identity provider or a browser: a test using one is slow.
SERVER_FIXTURES = frozenset({"chromium", "browser", "page", "server", "dashboard", "held_and_free", "signed",
                             "analyst", "provider"})


def pytest_collection_modifyitems(items):
    """Mark the tests that need a real server or browser `slow` (tests that start one themselves say so)."""
    for item in items:
        # A parametrized argument named like one of them (`page`, a page's file) is not that fixture.
        parametrized = set(getattr(getattr(item, "callspec", None), "params", {}))
        if SERVER_FIXTURES & (set(getattr(item, "fixturenames", ())) - parametrized):
            item.add_marker(pytest.mark.slow)

"""The server killed in the middle of loading a big upload: the store is as it was before the upload, and
the next start serves the same figures. A real `streamlit run`, a real browser, a real SIGKILL."""

import os
import signal
import time

import duckdb
import pytest

from benchmarks.generate import consent_rows
from tests.conftest import copy_store
from tests.test_browser import choose_files, start_streamlit, wait_for_app

ROWS = 600_000  # about 55 MB: a load that writes for long enough to be killed while it writes


def store_state(path) -> tuple:
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.execute(
            "SELECT (SELECT count(*) FROM consent), (SELECT count(*) FROM uploads), "
            "(SELECT count(*) FROM uploads WHERE is_sample), (SELECT sum(events) FROM consent_daily)"
        ).fetchone()


def written_size(path) -> int:
    wal = path.with_name(path.name + ".wal")
    return path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


@pytest.fixture
def big_export(tmp_path):
    path = tmp_path / "big-consent.csv"
    with duckdb.connect() as connection:
        connection.execute(f"COPY ({consent_rows(0, ROWS)}) TO '{path}' (HEADER)")
    return path


def test_a_server_killed_mid_upload_leaves_the_store_as_before(tmp_path, sample_store_file, page, big_export):
    store = copy_store(sample_store_file, tmp_path)
    process, base = start_streamlit(store, tmp_path / "first.log")
    try:
        page.goto(f"{base}/data")
        wait_for_app(page)
        before = store_state_while_served(store)
        size = written_size(store)
        page.get_by_text("consent", exact=True).first.click()
        choose_files(page, big_export)
        page.get_by_role("button", name="Load", exact=True).click()
        # Kill it while it writes: once the store's files start to grow, the rows are on their way in.
        deadline = time.monotonic() + 60
        while written_size(store) == size:
            assert process.poll() is None, "the server ended by itself"
            assert time.monotonic() < deadline, "the load never started writing"
            time.sleep(0.01)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=20)

    assert store_state(store) == before  # nothing of the upload; the sample still there

    process, base = start_streamlit(store, tmp_path / "second.log")
    try:
        page.goto(f"{base}/")
        wait_for_app(page)
        body = page.inner_text("body")
        assert "Sample data" in body and "Traceback" not in body
        assert "54.2%" in body  # the sample's marketing standing rate, as before
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert store_state(store) == before


def store_state_while_served(store) -> tuple:
    """The store's counts before the upload, read from a copy: the running server holds the file's lock."""
    copy = store.with_name("before.duckdb")
    copy.write_bytes(store.read_bytes())
    wal = store.with_name(store.name + ".wal")
    if wal.exists():
        copy.with_name(copy.name + ".wal").write_bytes(wal.read_bytes())
    return store_state(copy)

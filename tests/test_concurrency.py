"""Two analysts uploading at once while a manager views a page: no error, no lost upload, and the
manager's page redraws with the new figures by itself. A real server and three browsers."""

import threading

import duckdb
from playwright.sync_api import sync_playwright

from tests.conftest import CHROMIUM, CHROMIUM_FLAGS, copy_store
from tests.test_browser import choose_files, start_streamlit, wait_for_app

HEADER = "event_id,subject_id,occurred_at,purpose,decision,policy_version,channel,region\n"


def export(tmp_path, name: str, rows: int):
    path = tmp_path / f"{name}.csv"
    path.write_text(HEADER + "".join(
        f"{name}-{number},{name}-s{number},2024-10-{1 + number % 28:02d}T10:00:00Z,marketing,opt_in,2024-09-01,web,EU\n"
        for number in range(rows)))
    return path


def analyst(base: str, path, ready: threading.Barrier, results: dict) -> None:
    """One analyst in a browser of their own (Playwright's sync API keeps to its thread): choose the file,
    wait for the other analyst, then press Load at the same moment."""
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            tab = chromium.new_page(viewport={"width": 1440, "height": 1000})
            tab.goto(f"{base}/data")
            wait_for_app(tab)
            tab.get_by_text("consent", exact=True).first.click()
            choose_files(tab, path)
            tab.get_by_role("button", name="Load", exact=True).wait_for()
            ready.wait(timeout=60)
            tab.get_by_role("button", name="Load", exact=True).click()
            tab.wait_for_selector("text=Last load", timeout=120_000)
            wait_for_app(tab)
            results[path.stem] = tab.inner_text('[data-testid="stMain"]')
            chromium.close()
    except Exception as error:  # noqa: BLE001 - reported to the test's thread below
        results[path.stem] = f"failed: {error!r}"


def test_two_uploads_at_once_both_land_and_a_viewer_sees_them(tmp_path, sample_store_file, browser):
    store = copy_store(sample_store_file, tmp_path)
    process, base = start_streamlit(store, tmp_path / "server.log")
    try:
        viewer = browser.new_page(viewport={"width": 1440, "height": 1000})
        viewer.goto(f"{base}/consent")
        wait_for_app(viewer)
        assert "Sample data" in viewer.inner_text("body")

        files = [export(tmp_path, "first", 2_000), export(tmp_path, "second", 3_000)]
        ready, results = threading.Barrier(len(files)), {}
        threads = [threading.Thread(target=analyst, args=(base, path, ready, results)) for path in files]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=180)

        assert "read 2,000, loaded 2,000" in results["first"], results["first"]
        assert "read 3,000, loaded 3,000" in results["second"], results["second"]
        for text in results.values():
            assert "could not" not in text and "Traceback" not in text
        # The manager's page was not touched: it redraws by itself without the sample.
        viewer.wait_for_function("() => !document.body.innerText.includes('Sample data')", timeout=30_000)
        wait_for_app(viewer)
    finally:
        process.terminate()
        process.wait(timeout=20)
    with duckdb.connect(str(store), read_only=True) as connection:
        assert connection.execute("SELECT count(*) FROM consent").fetchone()[0] == 5_000
        assert sorted(row[0] for row in connection.execute("SELECT file_name FROM uploads").fetchall()) == [
            "first.csv", "second.csv"]

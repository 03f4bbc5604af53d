"""Two analysts uploading at once while a manager views a page: no error, no lost upload, and the
manager's page redraws with the new figures by itself. A real server and three browsers."""

import json
from datetime import datetime, timedelta

import duckdb

from tests.conftest import copy_store
from tests.test_browser import choose_files, start_streamlit, wait_for_app

HEADER = "event_id,subject_id,occurred_at,purpose,decision,policy_version,channel,region\n"


def export(tmp_path, name: str, rows: int):
    path = tmp_path / f"{name}.csv"
    path.write_text(HEADER + "".join(
        f"{name}-{number},{name}-s{number},2024-10-{1 + number % 28:02d}T10:00:00Z,marketing,opt_in,2024-09-01,web,EU\n"
        for number in range(rows)))
    return path


def ready_to_load(browser, base: str, path):
    """One analyst in a browser session of their own (cookies, websocket and Streamlit session): the Data
    page open, the consent kind chosen and the file in the chooser, with Load not yet pressed."""
    tab = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
    tab.goto(f"{base}/data")
    wait_for_app(tab)
    tab.get_by_text("consent", exact=True).first.click()
    choose_files(tab, path)
    tab.get_by_role("button", name="Load", exact=True).wait_for()
    return tab


def test_two_uploads_at_once_both_land_and_a_viewer_sees_them(tmp_path, sample_store_file, browser):
    store = copy_store(sample_store_file, tmp_path)
    process, base = start_streamlit(store, tmp_path / "server.log")
    try:
        viewer = browser.new_page(viewport={"width": 1440, "height": 1000})
        viewer.goto(f"{base}/consent")
        wait_for_app(viewer)
        assert "Sample data" in viewer.inner_text("body")

        files = [export(tmp_path, "first", 2_000), export(tmp_path, "second", 3_000)]
        analysts = {path.stem: ready_to_load(browser, base, path) for path in files}
        # Both press Load at the same moment: the second click is sent as soon as the first is, without
        # waiting for anything it starts (each load takes the server far longer than that).
        for tab in analysts.values():
            tab.get_by_role("button", name="Load", exact=True).click(no_wait_after=True)
        results = {}
        for name, tab in analysts.items():
            tab.wait_for_selector("text=Last load", timeout=120_000)
            wait_for_app(tab)
            results[name] = tab.inner_text('[data-testid="stMain"]')
            tab.context.close()

        assert "read 2,000, loaded 2,000" in results["first"], results["first"]
        assert "read 3,000, loaded 3,000" in results["second"], results["second"]
        for text in results.values():
            assert "could not" not in text and "Traceback" not in text
        # They were at once: the server's log line of each load (its end, and how long it took from the
        # moment it was asked for) shows each asked for before the other had finished.
        loads = {}
        for line in (tmp_path / "server.log").read_text().splitlines():
            if line.startswith("{") and '"event": "upload"' in line:
                event = json.loads(line)
                end = datetime.fromisoformat(event["at"])
                loads[event["file"]] = (end - timedelta(milliseconds=event["ms"]), end)
        (first_start, first_end), (second_start, second_end) = loads["first.csv"], loads["second.csv"]
        assert first_start < second_end and second_start < first_end, loads
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

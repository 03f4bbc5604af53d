"""A Transcend request export loaded as an analyst loads it: on the Data page, and with the command line.

The file is tests/data/vendors/transcend/transcend_request_export.csv, laid out as Transcend's public CLI
writes `transcend request export` (transcend-io/cli, src/lib/requests/formatRequestForCsv.ts at commit
7f00a8ba85a914448196597d5f33ac4881f23bc5; see tests/test_profile_transcend.py for how it was made).

Figures by hand from the file: 33 rows, of which 7 have `Is Test Request = true` (set aside), 26 real
requests, none rejected. The 12 real requests in a closed status with a `Successfully Completed At` closed
after 0, 0, 0, 0, 0, 1, 4, 7, 7, 14, 14 and 32 days (received 2022-11-15 to 2022-12-17): median 2.5.
"""

import json
from pathlib import Path

from tests.conftest import dashboard
from tests.test_data_page import load, shown  # the page's helpers (its fixture is in conftest.py)

EXPORT = Path(__file__).parent / "data" / "vendors" / "transcend" / "transcend_request_export.csv"
TEST_REQUEST = "a test request, not a real one"


def test_the_data_page_recognises_a_transcend_export_and_sets_test_requests_aside(data_page):
    app = data_page
    app.segmented_control(key="data_kind").set_value("requests")
    load(app, (EXPORT.name, EXPORT.read_bytes(), "text/csv"))

    texts = [shown(message.value) for message in (*app.success, *app.warning)]
    assert any(EXPORT.name in text and "rows read 33, loaded 26, duplicate 0, rejected 0, set aside 7" in text
               for text in texts), texts
    page_text = "\n".join(shown(markdown.value) for markdown in (*app.markdown, *app.caption))
    assert "Recognised as Transcend privacy requests (CSV)." in page_text
    assert f"7 rows (first on line 6): {TEST_REQUEST}" in page_text

    app.switch_page("views/requests.py").run()
    assert not app.exception
    tiles = {metric.label: metric.value for metric in app.metric}
    assert tiles["Received in the range"] == "26"
    assert tiles["Median days to close"] == "2.5"


def test_the_command_line_loads_it_with_no_mapping(tmp_path):
    result = dashboard("ingest", "requests", str(EXPORT), db=tmp_path / "store.duckdb")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["format"], report["rows_read"], report["rows_loaded"], report["rows_rejected"],
            report["rows_set_aside"]) == ("transcend_requests", 33, 26, 0, 7)
    assert report["set_aside"] == [[TEST_REQUEST, 7]]

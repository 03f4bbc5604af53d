"""The dashboard as a manager sees it: a real `streamlit run` on a free port, driven by headless Chromium.

Screenshots of every page go to test-output/screenshots/ (ignored by git).
"""

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import PROJECT, copy_store, free_port

SCREENSHOTS = PROJECT / "test-output" / "screenshots"
SERVER = PROJECT / "dashboard" / "server.py"  # the README's command: the pages behind the endpoints' check
# Pages and the number of charts each draws on the sample data.
PAGES = {"": 3, "consent": 3, "requests": 3, "policies": 2, "ccpa": 0, "definitions": 0, "data": 0}


def start_streamlit(store: Path, log_path: Path, *, cwd: Path = PROJECT, env: dict | None = None,
                    port: int | None = None, address: str = "127.0.0.1") -> tuple[subprocess.Popen, str]:
    """`streamlit run dashboard/server.py` on a free port with the given store; the process and its base URL.
    `cwd` is where Streamlit looks for .streamlit/ (config and secrets); `address` the one it listens on."""
    port = port or free_port()
    log = open(log_path, "w")  # noqa: SIM115 - open for the server's lifetime; the child keeps its own copy
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(SERVER), "--server.port", str(port),
         "--server.address", address, "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=cwd, env={**os.environ, "PRIVACY_DASHBOARD_DB": str(store), **(env or {})}, stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return process, base
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("streamlit did not start: " + log_path.read_text()[-2000:])
        time.sleep(0.05)  # polling until it answers


@pytest.fixture(scope="module")
def server(tmp_path_factory, sample_store_file):
    """`streamlit run dashboard/server.py` on its own copy of the sample store; its base URL."""
    folder = tmp_path_factory.mktemp("browser")
    process, base = start_streamlit(copy_store(sample_store_file, folder), folder / "streamlit.log")
    yield base
    process.terminate()
    process.wait(timeout=20)


def wait_for_app(tab) -> None:
    """Until the script has finished its run: the page's title drawn, the app saying its script is not running
    (Streamlit's own state attribute, set before any running indicator could show), and no skeleton left."""
    tab.wait_for_selector('[data-testid="stMain"] h1', timeout=30_000)
    tab.wait_for_function(
        "() => document.querySelector('[data-testid=\"stApp\"]')?.dataset.testScriptState === 'notRunning'"
        " && !document.querySelector('[data-testid=\"stStatusWidget\"], [data-testid=\"stSkeleton\"]')",
        timeout=30_000,
    )


def choose_files(tab, *paths: Path) -> None:
    """Put files in the Data page's file chooser and wait until each has reached the server (its chip shows
    its name and no spinner), so that pressing Load cannot find the chooser still empty."""
    tab.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files([str(path) for path in paths])
    uploader = tab.locator('[data-testid="stFileUploader"]')
    for path in paths:
        # By its title, the whole name: the chip's text shortens a long one.
        uploader.get_by_title(path.name, exact=True).wait_for(timeout=60_000)
    tab.locator('[data-testid="stFileUploader"] [data-testid="stFileChipIconSpinner"]').first.wait_for(
        state="detached", timeout=120_000)


def load_on_data_page(tab, base: str, kind: str, *paths: Path) -> None:
    """Load files of one kind through the Data page's file chooser, as an analyst does, until the page shows
    the load's outcome."""
    tab.goto(f"{base}/data")
    wait_for_app(tab)
    tab.get_by_text(kind, exact=True).first.click()
    choose_files(tab, *paths)
    tab.get_by_role("button", name="Load", exact=True).click()
    tab.wait_for_selector("text=Last load", timeout=30_000)
    wait_for_app(tab)


def screenshot(tab, name: str) -> None:
    """The whole page: Streamlit scrolls inside its main block, so the viewport grows to fit it first. Its
    width is kept, so the charts keep the layout they have (only their container grows taller); the picture
    is taken once the browser has drawn a frame at the new size."""
    height = tab.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    width = (tab.viewport_size or {"width": 1440})["width"]
    tab.set_viewport_size({"width": width, "height": min(max(height, 1000), 12_000)})
    tab.evaluate("() => new Promise(drawn => requestAnimationFrame(() => requestAnimationFrame(drawn)))")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def charts_drawn(tab) -> int:
    return tab.locator('[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg.marks').count()


@pytest.mark.parametrize("name, charts", PAGES.items(), ids=[name or "overview" for name in PAGES])
def test_each_page_opens_and_draws_its_charts(server, page, name, charts):
    page.goto(f"{server}/{name}")
    wait_for_app(page)
    if charts:
        page.wait_for_function(
            f"() => document.querySelectorAll('[data-testid=\"stVegaLiteChart\"] canvas, "
            f"[data-testid=\"stVegaLiteChart\"] svg.marks').length >= {charts}",
            timeout=30_000,
        )
    assert charts_drawn(page) >= charts
    body = page.inner_text("body")
    # Neither an exception (Streamlit's box, which shows no detail under showErrorDetails = "none") nor an
    # error box of the dashboard's own (a store it cannot open, say): each is an element of its own.
    assert "Traceback" not in body
    assert page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]').count() == 0
    assert "Sample data" in body
    screenshot(page, name or "overview")


def test_a_link_with_a_date_range_opens_with_that_range(server, page):
    page.goto(f"{server}/consent?period=Custom&dates=2024-01-01&dates=2024-03-31")
    wait_for_app(page)
    page.wait_for_selector('[data-testid="stDateInput"] input', timeout=30_000)
    shown = [field.input_value() for field in page.locator('[data-testid="stDateInput"] input').all()]
    assert shown == ["2024-01-01", "2024-03-31"]


def test_filters_survive_a_page_switch_in_the_url(server, page):
    page.goto(f"{server}/?period=Year+to+date&purpose=marketing")
    wait_for_app(page)
    # As a person would: the sidebar shows the chosen purpose before they move on.
    # The filter shows the purpose by its name; the link keeps its key.
    page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(has_text="Marketing").wait_for()
    page.get_by_role("link", name="Requests").click()
    # The bound parameters follow the page switch, so a link copied there reproduces the view.
    page.wait_for_function(
        "() => location.pathname.endsWith('/requests') && location.search.includes('period=Year') "
        "&& location.search.includes('purpose=marketing')", timeout=15_000
    )
    assert "purpose=marketing" in page.url


def test_a_chart_downloads_as_csv_and_png(server, page):
    page.goto(f"{server}/")
    wait_for_app(page)
    with page.expect_download() as csv_download:
        page.get_by_role("button", name="Data (CSV)").first.click()
    lines = Path(csv_download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    # The file says what it holds before its rows: the title, the range and where it comes from.
    comments = [line for line in lines if line.startswith("# ")]
    assert comments[0] == "# Standing opt-in rate by month"
    assert any("Privacy metrics dashboard" in line and "sample data" in line for line in comments)
    rows = lines[len(comments):]
    assert rows[0].startswith("Month,Purpose,") and len(rows) > 12
    with page.expect_download() as png_download:
        page.get_by_role("button", name="Chart (PNG)").first.click()
    assert png_download.value.suggested_filename.startswith("overview-consent-trend")
    assert png_download.value.suggested_filename.endswith(".png")
    assert Path(png_download.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_an_upload_through_the_file_chooser_reaches_the_store(server, page, tmp_path):
    export = tmp_path / "browser-upload.csv"
    export.write_text(
        "subject_id,occurred_at,purpose,decision,channel\n"
        "browser-1,2024-10-30T10:00:00Z,marketing,opt_in,web\n"
        "browser-2,2024-10-30T11:00:00Z,marketing,opt_out,web\n"
        "browser-3,2024-10-30T12:00:00Z,marketing,maybe,web\n"
    )
    load_on_data_page(page, server, "consent", export)
    main = page.inner_text('[data-testid="stMain"]')
    assert "read 3" in main and "loaded 2" in main and "rejected 1" in main
    assert "decision is not opt_in, opt_out, acknowledge or shown" in main
    screenshot(page, "data-after-upload")
    # The sample went as the first real file landed: no notice on the next page.
    page.goto(f"{server}/")
    wait_for_app(page)
    assert "Sample data" not in page.inner_text("body")



def test_a_transcend_export_is_recognised_and_its_test_requests_set_aside(server, page):
    # Figures by hand in tests/test_vendor_exports_on_the_pages.py: 33 rows, 7 test requests, 26 real ones.
    export = Path(__file__).parent / "data" / "vendors" / "transcend" / "transcend_request_export.csv"
    load_on_data_page(page, server, "requests", export)
    main = page.inner_text('[data-testid="stMain"]')
    assert "Recognised as Transcend privacy requests (CSV)." in main
    assert "read 33, loaded 26, duplicate 0, rejected 0, set aside 7" in main
    assert "a test request, not a real one" in main
    screenshot(page, "data-transcend-upload")
    # The range the file covers (the consent file loaded before it ends later, in 2024).
    page.goto(f"{server}/requests?period=Custom&dates=2022-11-01&dates=2022-12-31")
    wait_for_app(page)
    tile = page.locator('[data-testid="stMetric"]', has_text="Received in the range")
    assert tile.locator('[data-testid="stMetricValue"]').inner_text() == "26"


def test_at_800_pixels_nothing_is_cut_and_charts_are_described(server, page):
    """A manager on a small laptop: tiles keep their labels, buttons their words, the page does not scroll
    sideways, and each chart tells a screen reader what it shows. (Other tests of this module may have loaded
    exports into the server's store first: only what any requests export gives is counted on.)"""
    page.set_viewport_size({"width": 800, "height": 1000})
    page.goto(f"{server}/requests")
    wait_for_app(page)
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=\"stVegaLiteChart\"] canvas, "
        "[data-testid=\"stVegaLiteChart\"] svg.marks').length >= 1", timeout=30_000)
    cut = """() => [...document.querySelectorAll(
            '[data-testid="stMetricLabel"] p, [data-testid="stMetricLabel"] div, [data-testid="stDownloadButton"] p')]
        .filter(element => element.scrollWidth > element.clientWidth + 1).map(element => element.innerText)"""
    # Once the layout has settled (charts size themselves after they draw), nothing is cut.
    page.wait_for_function(f"() => ({cut})().length === 0", timeout=10_000)
    labels = page.locator('[data-testid="stMetricLabel"]').all_inner_texts()
    assert any(label.startswith("Overdue at ") for label in labels)
    buttons = page.locator('[data-testid="stDownloadButton"]').all_inner_texts()
    assert sum("Data (CSV)" in text for text in buttons) >= 1
    main = page.locator('[data-testid="stMain"]')
    assert main.evaluate("element => element.scrollWidth <= element.clientWidth + 1")
    described = """() => [...document.querySelectorAll(
            '[data-testid="stVegaLiteChart"] [aria-label], [data-testid="stVegaLiteChart"][aria-label]')]
        .map(element => element.getAttribute('aria-label'))"""
    page.wait_for_function(
        f"() => ({described})().some(text => text.startsWith('Requests received per month'))", timeout=15_000)

"""The server's own endpoints and the actions behind buttons, tried as an attacker would against a real
`streamlit run dashboard/server.py` with sign-in on (the local OpenID Connect provider of conftest.py):
an upload from a session that never signed in, a download fetched without the session's sign-in, an undo
pressed after the analyst's role was removed, and Streamlit's own table download of a formula cell."""

import shutil
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import expect
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from tests.conftest import PROJECT, copy_store, free_port
from tests.test_browser import load_on_data_page, start_streamlit, wait_for_app
from tests.test_sign_in import ROLES, signed_in, write_sign_in_site

# The analyst moved out of [analysts]: the domain keeps her a viewer.
ROLES_WITHOUT_ANA = ROLES.replace('emails = ["ana@retail.example"]', "emails = []")
FORMULA = '=HYPERLINK("http://x","y")'
EXPORT = (
    "subject_id,occurred_at,purpose,decision,channel\n"
    "guard-1,2024-10-30T10:00:00Z,marketing,opt_in,web\n"
    "guard-2,2024-10-30T11:00:00Z,marketing,opt_out,web\n"
    'guard-3,2024-10-30T12:00:00Z,marketing,"=HYPERLINK(""http://x"",""y"")",web\n'
)
MB = 1 << 20


@dataclass
class Dashboard:
    base: str
    pid: int
    roles: Path


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory, sample_store_file, provider):
    """The dashboard as an operator runs it: the project's .streamlit/config.toml beside a secrets.toml
    with an [auth] section, and a roles file naming one analyst."""
    site = tmp_path_factory.mktemp("guarded")
    port = free_port()
    write_sign_in_site(site, port, provider)
    shutil.copy(PROJECT / ".streamlit" / "config.toml", site / ".streamlit" / "config.toml")
    process, base = start_streamlit(copy_store(sample_store_file, site), site / "streamlit.log", cwd=site, port=port,
                                    env={"PRIVACY_DASHBOARD_ROLES": str(site / "roles.toml")})
    yield Dashboard(base, process.pid, site / "roles.toml")
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="module")
def analyst(browser, dashboard, tmp_path_factory):
    """Ana, signed in, having loaded a consent export with one rejected row (a formula) through the Data
    page's file chooser; her tab on the Data page."""
    export = tmp_path_factory.mktemp("export") / "guarded-upload.csv"
    export.write_text(EXPORT)
    tab = signed_in(browser, dashboard.base, "ana")
    load_on_data_page(tab, dashboard.base, "consent", export)
    return tab


def resident_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS line")


def test_an_upload_from_a_session_that_never_signed_in_is_refused(browser, dashboard):
    context = browser.new_context()
    tab = context.new_page()
    session_ids = []

    def note_session(frame) -> None:
        message = ForwardMsg()
        message.ParseFromString(frame if isinstance(frame, bytes) else frame.encode("latin-1"))
        if message.HasField("new_session"):
            session_ids.append(message.new_session.initialize.session_id)

    tab.on("websocket", lambda socket: socket.on("framereceived", note_session))
    tab.goto(f"{dashboard.base}/")
    tab.get_by_role("button", name="Sign in").wait_for(timeout=30_000)
    assert session_ids, "the page's websocket announced no session"
    xsrf = next(cookie["value"] for cookie in context.cookies() if cookie["name"] == "_streamlit_xsrf")

    before = resident_bytes(dashboard.pid)
    statuses = [
        context.request.put(
            f"{dashboard.base}/_stcore/upload_file/{session_ids[-1]}/stranger-{number}",
            headers={"X-Xsrftoken": xsrf},
            multipart={"file": {"name": f"stranger-{number}.csv", "mimeType": "text/csv",
                                "buffer": bytes([65 + number]) * (8 * MB)}},
            timeout=60_000,
        ).status
        for number in range(4)
    ]
    grown = resident_bytes(dashboard.pid) - before
    context.close()
    assert statuses == [403, 403, 403, 403]
    # 32 MB sent; kept, they would show whole in the server's memory.
    assert grown < 8 * MB, f"the server grew by {grown / MB:.1f} MB"


def test_a_signed_in_analyst_still_loads_through_the_file_chooser(analyst):
    main = analyst.inner_text('[data-testid="stMain"]')
    assert "guarded-upload.csv" in main
    assert "rows read 3, loaded 2, duplicate 0, rejected 1" in main


def test_the_rejected_rows_download_answers_only_the_analyst_who_made_it(analyst, browser, dashboard):
    with analyst.expect_download() as download:
        analyst.get_by_role("button", name="Rejected rows of upload").first.click()
    rows = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert rows[0] == "Line,Column,Value,Reason"
    assert rows[1].startswith("4,decision,\"'=HYPERLINK(") and len(rows) == 2  # the project's CSV: made text
    address = download.value.url
    assert address.startswith(f"{dashboard.base}/media/")

    # Without any cookie: refused.
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(address, timeout=10)
    assert refused.value.code == 403
    # Signed in, but as someone else (a viewer): refused.
    viewer = signed_in(browser, dashboard.base, "vic")
    wait_for_app(viewer)
    assert viewer.context.request.get(address).status == 403
    viewer.context.close()
    # Ana's own browser: the same rows.
    again = analyst.context.request.get(address)
    assert again.status == 200
    assert again.body().decode("utf-8-sig").splitlines() == rows


def test_the_table_toolbar_has_no_raw_csv_download(analyst):
    table = analyst.locator('[data-testid="stDataFrame"]').first
    table.hover()
    toolbar = analyst.locator('[data-testid="stElementToolbar"]').first
    toolbar.get_by_role("button", name="Search").wait_for(timeout=10_000)  # the toolbar is shown
    assert toolbar.get_by_role("button", name="Download as CSV").count() == 0


def upload_to_remove(tab) -> str:
    """The upload the "Upload to remove" choice shows."""
    choice = tab.locator('[data-testid="stSelectbox"]').filter(has_text="Upload to remove")
    shown = choice.locator("input")
    return shown.first.input_value() if shown.count() else choice.inner_text()


def test_an_undo_pressed_after_the_role_was_removed_is_refused(analyst, dashboard):
    analyst.goto(f"{dashboard.base}/data")
    wait_for_app(analyst)
    chosen = upload_to_remove(analyst)
    assert "guarded-upload.csv" in chosen  # the newest upload is offered first
    upload = chosen.split("#", 1)[1].split(" ", 1)[0]
    analyst.get_by_role("button", name="Remove upload…").click()
    understood = analyst.get_by_text("I understand its rows will be removed")
    understood.wait_for(timeout=30_000)
    wait_for_app(analyst)
    understood.click()
    confirm = analyst.get_by_role("button", name=f"Remove upload #{upload}")
    expect(confirm).to_be_enabled(timeout=30_000)  # the confirmation is open and ticked, as her role is removed
    dashboard.roles.write_text(ROLES_WITHOUT_ANA)
    try:
        confirm.click()
        analyst.get_by_text("for analysts").first.wait_for(timeout=30_000)
        wait_for_app(analyst)
        main = analyst.inner_text('[data-testid="stMain"]')
        assert f"Removed upload #{upload}" not in main
    finally:
        dashboard.roles.write_text(ROLES)
    # Her role back, the upload is still there to undo.
    analyst.goto(f"{dashboard.base}/data")
    wait_for_app(analyst)
    assert "Every upload has been undone" not in analyst.inner_text('[data-testid="stMain"]')
    chosen = upload_to_remove(analyst)
    assert f"#{upload} guarded-upload.csv" in chosen

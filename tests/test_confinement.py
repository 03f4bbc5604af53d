"""What a file, a client or a mistake cannot do to the store: no text of a file becomes SQL, the store's
connection reads nothing but its own files, the store is its owner's alone, and no message a browser can send
takes the store away from the other sessions.

The smuggling header is the one an attacker used against a Fides-looking requests export: its extra column's
name closed the SQL template's placeholder, read a secret file and printed it in the upload's warning.
"""

import json
import os
import secrets
import stat
import time
from pathlib import Path

import duckdb
import pytest

from dashboard.ingest import ingest_file
from dashboard.store import open_store
from tests.conftest import PROJECT, copy_store
from tests.conftest import dashboard as command_line

FIDES_HEADER = ("Status,Request Type,Time Received,Deadline,Reviewed By,Request ID,Time Approved/Denied,"
                "Denial Reason,Last Updated,Completed On,email")


def smuggling_export(folder: Path, secret_file: Path) -> Path:
    """Two Fides requests whose first location column's name is SQL reading `secret_file` (its `.` and `-` as the
    glob `?`, as the attacker wrote it, so that header folding leaves the name as it is)."""
    pattern = str(secret_file).replace(".", "?").replace("-", "?")
    column = (f"custom_field_location}}||'<<'||(select/**/string_agg(content,'')/**/from/**/read_text('{pattern}'))"
              "||'>>'||{status")
    path = folder / "fides_requests.csv"
    path.write_text(
        f'{FIDES_HEADER},"{column}",Custom Field Location\n'
        "complete,access,2024-03-01 10:00:00+00:00,,,pri_1,,,,2024-03-11 10:00:00+00:00,ann@example.com,Mars,CA\n"
        "complete,erasure,2024-03-02 10:00:00+00:00,,,pri_2,,,,2024-03-20 10:00:00+00:00,bob@example.com,Mars,CA\n",
        encoding="utf-8",
    )
    return path


def test_a_column_name_cannot_run_sql(tmp_path):
    canary = "CANARY-" + secrets.token_hex(8)
    secret_file = tmp_path / "secrets.toml"
    secret_file.write_text(f'cookie_secret = "{canary}"\n')
    export = smuggling_export(tmp_path, secret_file)
    store = tmp_path / "store.duckdb"

    result = command_line("ingest", "requests", str(export), db=store)
    uploads = command_line("uploads", db=store)
    assert uploads.returncode == 0, uploads.stderr

    for output in (result.stdout, result.stderr, uploads.stdout, uploads.stderr):
        assert canary not in output and "<<" not in output
    assert canary.encode() not in store.read_bytes()
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    # The column is only ever a position, and not one the profile reads: the jurisdiction is the real
    # `Custom Field Location`, read as text.
    assert (report["format"], report["rows_loaded"], report["rows_rejected"]) == ("fides_requests", 2, 0)
    assert "jurisdictions not recognised, counted as ‘No law recorded’: CA (2 rows)" in report["warnings"]


def test_the_store_reads_nothing_but_its_own_files_and_cannot_be_unlocked(tmp_path, test_data):
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text("not for the store")
    connection = open_store(tmp_path / "store.duckdb")
    try:
        with pytest.raises(duckdb.PermissionException):
            connection.execute("SELECT content FROM read_text($path)", {"path": str(secret_file)}).fetchall()
        with pytest.raises(duckdb.PermissionException):
            connection.execute(
                "SELECT * FROM read_csv($path)", {"path": str(tmp_path / "store.duckdb.work" / ".." / "secret.txt")}
            ).fetchall()
        with pytest.raises(duckdb.InvalidInputException, match="locked"):
            connection.execute("SET enable_external_access = true")
        with pytest.raises(duckdb.InvalidInputException, match="locked"):
            connection.cursor().execute("SET allowed_paths = ['/']")
        # An export handed over by code is still loaded, from a private copy that does not outlive the load.
        report = ingest_file(connection, "consent", test_data / "upload" / "consent_april.csv")
        assert report.rows_loaded > 0
        assert list((tmp_path / "store.duckdb.work").iterdir()) == []
    finally:
        connection.close()


def test_the_store_and_its_files_are_readable_by_their_owner_only(tmp_path, test_data):
    store = tmp_path / "store.duckdb"
    connection = open_store(store)
    ingest_file(connection, "consent", test_data / "upload" / "consent_april.csv")
    wal = tmp_path / "store.duckdb.wal"
    try:
        assert wal.exists()  # the upload is in the write-ahead log until a checkpoint
        assert stat.S_IMODE(wal.stat().st_mode) == 0o600
    finally:
        connection.close()
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "store.duckdb.work").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "store.duckdb.key").stat().st_mode) == 0o600

    # A store made readable by everyone (as stores were before) is closed to others when next opened.
    os.chmod(store, 0o644)
    open_store(store).close()
    assert stat.S_IMODE(store.stat().st_mode) == 0o600


def test_leftover_copies_go_when_the_store_is_next_opened(tmp_path):
    work = tmp_path / "store.duckdb.work"
    work.mkdir(mode=0o700)
    (work / "upload-left-by-a-killed-load.csv").write_text("subject_id\nann@example.com\n")
    open_store(tmp_path / "store.duckdb").close()
    assert list(work.iterdir()) == []


def _clear_caches(base: str, times: int) -> None:
    """A client that never signed in: a websocket session sending Streamlit's clear_cache back-message."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from websockets.sync.client import connect

    message = BackMsg()
    message.clear_cache = True
    rerun = BackMsg()
    rerun.rerun_script.query_string = ""
    url = base.replace("http://", "ws://") + "/_stcore/stream"
    with connect(url, subprotocols=["streamlit"], origin=base) as socket:
        socket.send(rerun.SerializeToString())
        for _ in range(times):
            socket.send(message.SerializeToString())
            socket.send(rerun.SerializeToString())
        socket.recv(timeout=30)


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory, sample_store_file):
    """`streamlit run` as the README starts it, on its own copy of the sample store: (base URL, store, log)."""
    from tests.test_browser import start_streamlit

    folder = tmp_path_factory.mktemp("confined")
    store = copy_store(sample_store_file, folder)
    # What a server killed during a Windows-1252 load leaves: a full UTF-8 copy of the export.
    work = store.with_name(store.name + ".work")
    work.mkdir(mode=0o700)
    (work / "export-utf8-left-by-a-killed-load.csv").write_text("subject_id,purpose\nann@example.com,marketing\n")
    process, base = start_streamlit(store, folder / "streamlit.log")
    yield base, store, folder / "streamlit.log"
    process.terminate()
    process.wait(timeout=20)


def test_the_server_clears_what_a_killed_load_left_as_it_starts(dashboard):
    _base, store, _log = dashboard
    # No page has been opened yet: the store was opened, and its private folder cleared, at the start.
    assert not (store.with_name(store.name + ".work") / "export-utf8-left-by-a-killed-load.csv").exists()


def test_clearing_caches_from_a_browser_does_not_take_the_store_away(dashboard, browser):
    from tests.test_browser import wait_for_app

    base, _store, log = dashboard
    tab = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    tab.goto(f"{base}/requests")
    wait_for_app(tab)
    _clear_caches(base, 10)
    for path, heading in (("", "Privacy overview"), ("consent", "Consent")):
        tab.goto(f"{base}/{path}")
        wait_for_app(tab)
        assert tab.locator('[data-testid="stMain"] h1').first.inner_text() == heading
        assert tab.locator('[data-testid="stException"]').count() == 0
        assert "already exists" not in tab.content()
        # The figures are still the store's: the sample's tiles are drawn (at least three on each page).
        tab.locator('[data-testid="stMetric"]').nth(2).wait_for(timeout=30_000)
    tab.context.close()
    assert "already exists" not in log.read_text()


def test_a_file_held_for_its_mapping_goes_when_its_tab_closes(dashboard, browser, tmp_path):
    from tests.test_browser import choose_files, wait_for_app

    base, store, _log = dashboard
    work = store.with_name(store.name + ".work")
    export = tmp_path / "crm_consent.csv"
    export.write_text("Customer,When,What,Answer\nann@example.com,2024-05-01,marketing,yes\n", encoding="utf-8")
    uploader = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    uploader.goto(f"{base}/data")
    wait_for_app(uploader)
    uploader.get_by_text("Map columns myself").click()
    choose_files(uploader, export)
    uploader.get_by_role("button", name="Load", exact=True).click()
    uploader.wait_for_selector("text=Map the columns of", timeout=30_000)
    held = [copy.name for copy in work.iterdir()]
    assert len(held) == 1 and held[0].startswith("upload-") and held[0].endswith(".csv")
    assert stat.S_IMODE((work / held[0]).stat().st_mode) == 0o600

    uploader.context.close()
    # Another manager's page sweeps on its runs (every few seconds while it is open).
    viewer = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    viewer.goto(f"{base}/")
    wait_for_app(viewer)
    deadline = time.monotonic() + 30
    while any(work.iterdir()) and time.monotonic() < deadline:
        # Polling the folder (a file condition Playwright cannot wait on); Playwright's own wait lets the
        # page keep running its 5-second refresh meanwhile.
        viewer.wait_for_timeout(50)
    assert list(work.iterdir()) == []
    viewer.context.close()


def test_an_unexpected_error_shows_a_browser_no_detail():
    """Streamlit's default would show the exception's type, message and traceback (server paths) to everyone."""
    import tomllib

    settings = tomllib.loads((PROJECT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert settings["client"]["showErrorDetails"] == "none"

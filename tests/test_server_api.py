"""The server owns the store, and everything talks to it: a real `streamlit run` holding a real store while the
command line and plain HTTP work on it at the same time.

- The command line with a server running prints what it prints without one, with the same exit status: each
  command runs once against a store a server holds and once against a copy of that store that nobody holds (as
  a process of its own where a scheduled job's run is the point, else by its main() in the test's process).
- The HTTP API with sign-in on (the local OpenID Connect provider of conftest.py): an analyst's token loads,
  a viewer's token may read but not load (403), no token is 401, a revoked token is 401; uploads record the
  token's name and owner; the log never holds a token.
- A page open in a browser redraws after a load made through the API.
- An address file left by a killed server is ignored.
"""

import json
import re
import signal
import subprocess
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.conftest import copy_store, dashboard_process, free_port
from tests.conftest import dashboard as command_line
from tests.test_browser import start_streamlit, wait_for_app
from tests.test_sign_in import write_sign_in_site

PROJECT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
# Six consent rows of three people in March 2025 (hand-made; none repeats the sample's event ids): the store every
# server of this module starts with. Marketing in March: opt-ins sv01, sv05; opt-outs sv03, sv06.
CONSENT = DATA / "server" / "consent_march_2025.csv"
# Two opt-ins in February 2025 (the load the command line makes), and one in January (the load it undoes).
FEBRUARY = DATA / "server" / "consent_february_2025.csv"
JANUARY = DATA / "server" / "consent_january_2025.csv"
# A requests export whose header has no request id: refused whole.
REFUSED = DATA / "server" / "requests_without_ids.csv"


def dashboard(*arguments, db: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """`python -m dashboard ARGUMENTS --db DB`, as a scheduled job runs it: a process of its own."""
    return dashboard_process(*arguments, db=db, env={"PRIVACY_DASHBOARD_TOKEN": None, **(env or {})})


def in_process(*arguments, db: Path) -> subprocess.CompletedProcess:
    """The same command run by its main() in this process (conftest.dashboard): it finds the server by the store's
    address file as the process does, and prints what the process prints."""
    return command_line(*arguments, db=db, env={"PRIVACY_DASHBOARD_TOKEN": None})


def same_minute(text: str) -> str:
    """Times of day are the moment a command ran: only they may differ between the two runs."""
    return re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", "<time> UTC", text)


@pytest.fixture(scope="module")
def held_and_free(tmp_path_factory, sample_store_file):
    """A server holding one store, and a copy of it nobody holds; (held, free, log, base URL). Both hold the March
    file (which replaced the sample), so that no test's load or undo changes what another test sees."""
    held_folder, free_folder = tmp_path_factory.mktemp("held"), tmp_path_factory.mktemp("free")
    held = copy_store(sample_store_file, held_folder)
    assert dashboard("ingest", "consent", str(CONSENT), db=held).returncode == 0
    free = copy_store(held, free_folder)
    log = held_folder / "streamlit.log"
    process, base = start_streamlit(held, log)
    yield held, free, log, base
    process.terminate()
    process.wait(timeout=20)


def both(held_and_free, *arguments, job: bool = False):
    """The same command against the held store (through its server) and the free one (opened by the command).
    With `job`, the held side is a process of its own, as a scheduled job runs it."""
    held, free, _log, _base = held_and_free
    return (dashboard if job else in_process)(*arguments, db=held), in_process(*arguments, db=free)


def assert_same(through_server, alone):
    assert through_server.returncode == alone.returncode, (through_server.stderr, alone.stderr)
    assert same_minute(through_server.stdout) == same_minute(alone.stdout)
    assert same_minute(through_server.stderr) == same_minute(alone.stderr)


def test_the_server_writes_its_address_next_to_the_store(held_and_free):
    held, _free, _log, base = held_and_free
    address = json.loads(held.with_name(held.name + ".server").read_text())
    assert address["url"] == base
    assert oct(held.with_name(held.name + ".server").stat().st_mode & 0o777) == "0o600"


def test_ingest_through_the_server_prints_what_it_prints_alone(held_and_free):
    through_server, alone = both(held_and_free, "ingest", "consent", str(FEBRUARY), job=True)
    assert_same(through_server, alone)
    report = json.loads(through_server.stdout)
    # 2 rows read, 2 loaded, nothing rejected.
    assert (report["rows_read"], report["rows_loaded"], report["rows_rejected"]) == (2, 2, 0)
    # It went through the server: its log has the API call, and the store file was never opened by the command.
    assert '"path": "/api/v1/uploads"' in held_and_free[2].read_text()


def test_a_refused_file_through_the_server_says_the_same_line_and_exits_1(held_and_free):
    through_server, alone = both(held_and_free, "ingest", "requests", str(REFUSED))
    assert_same(through_server, alone)
    assert through_server.returncode == 1
    assert through_server.stderr.startswith("requests_without_ids.csv: ")
    assert len(through_server.stderr.splitlines()) == 1


def test_metrics_through_the_server_are_the_same_document(held_and_free):
    through_server, alone = both(held_and_free, "metrics", "--start", "2025-03-01", "--end", "2025-03-31",
                                 "--purpose", "marketing")
    assert_same(through_server, alone)
    document = json.loads(through_server.stdout)
    marketing = document["consent"]["by_purpose"]
    assert [(row["purpose"], row["opt_ins"], row["opt_outs"], row["decision_opt_in_rate"]) for row in marketing] == [
        ("marketing", 2, 2, 0.5)]
    wrong = both(held_and_free, "metrics", "--start", "2024-05-01", "--end", "2024-03-31")
    assert_same(*wrong)
    assert wrong[0].returncode == 2 and wrong[0].stderr == "--start 2024-05-01 is after --end 2024-03-31\n"


def test_alerts_through_the_server_are_the_same_document(held_and_free):
    through_server, alone = both(held_and_free, "alerts", "--end", "2025-03-31", job=True)
    assert_same(through_server, alone)
    # Six choices in March 2025 and none before it, no request: no rule has anything to test, so the exit status is 0.
    assert through_server.returncode == 0 and json.loads(through_server.stdout)["alerts"] == []
    assert '"path": "/api/v1/alerts"' in held_and_free[2].read_text()


def test_the_ccpa_report_through_the_server_is_the_same_table(held_and_free, tmp_path):
    for arguments in (("--csv",), ("--all-jurisdictions",), ("--scope", "us")):
        through_server, alone = both(held_and_free, "report", "ccpa", "--year", "2025", *arguments)
        assert_same(through_server, alone)
        assert through_server.returncode == 0 and through_server.stdout
    # The evidence pack: the same files, the same table and uploads; only the moment it was made differs.
    held, free, _log, _base = held_and_free
    packs = []
    for store, name in ((held, "server.zip"), (free, "alone.zip")):
        result = in_process("report", "ccpa", "--year", "2024", "--evidence", str(tmp_path / name), db=store)
        assert result.returncode == 0, result.stderr
        with zipfile.ZipFile(tmp_path / name) as pack:
            packs.append({file: pack.read(file) for file in pack.namelist() if file not in ("settings.json",
                                                                                              "MANIFEST.txt")})
    assert packs[0] == packs[1] and "uploads.csv" in packs[0]


def test_uploads_through_the_server_is_the_same_history(held_and_free):
    assert_same(*both(held_and_free, "uploads"))
    assert_same(*both(held_and_free, "uploads", "--rejected", "1"))


def test_remove_through_the_server_undoes_the_same_way(held_and_free):
    loaded = both(held_and_free, "ingest", "consent", str(JANUARY))
    assert_same(*loaded)
    newest = json.loads(loaded[0].stdout)["upload_id"]
    through_server, alone = both(held_and_free, "remove", str(newest))
    assert_same(through_server, alone)
    assert through_server.stdout == (f"removed upload {newest} (consent_january_2025.csv, consent): 1 stored row "
                                     "removed, 0 kept because another upload holds them\n")
    again = both(held_and_free, "remove", str(newest))
    assert_same(*again)
    assert again[0].returncode == 1 and "already removed" in again[0].stderr


def test_forget_through_the_server_says_the_same_line(held_and_free):
    """Nobody of that address is in the store: the same line, exit 0, and nothing erased on either side."""
    through_server, alone = both(held_and_free, "forget", "nobody.here@example.com")
    assert_same(through_server, alone)
    assert through_server.stdout == "Not in the store: none of the 1 identity given; nothing was erased.\n"


def test_a_web_page_of_another_site_cannot_use_the_api(held_and_free):
    """With sign-in off the API needs no token on this computer; a page of another site open in a browser (its
    Origin header) or a name that resolves here for a moment (DNS rebinding: the Host header) is refused."""
    base = held_and_free[3]
    for header in ({"Origin": "http://attacker.example"}, {"Host": f"rebound.example:{base.rsplit(':', 1)[1]}"}):
        request = urllib.request.Request(f"{base}/api/v1/uploads?kind=consent&file=x.csv", method="POST",
                                         data=JANUARY.read_bytes(), headers=header)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=60)
        assert refused.value.code == 403
    history = dashboard("uploads", db=held_and_free[0]).stdout
    assert "x.csv" not in history


@pytest.mark.slow
def test_without_sign_in_a_server_on_the_network_answers_nobody(tmp_path, sample_store_file):
    """The pages' rule: a server listening on every interface without sign-in, not opened on purpose, refuses the
    API (the command line on its computer still reaches it through the address file)."""
    store = copy_store(sample_store_file, tmp_path)
    process, base = start_streamlit(store, tmp_path / "streamlit.log", address="0.0.0.0")
    try:
        status, answer = call("GET", f"{base}/api/v1/metrics")
        assert status == 403 and answer["error"].startswith("Sign-in is off and this server listens on the network")
        assert dashboard("uploads", db=store).stdout.startswith("upload ")
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_a_page_redraws_after_a_load_through_the_api(held_and_free, page, tmp_path):
    """The Overview open in a browser shows the new data's date, 30 Apr 2025 (newer than anything in the store),
    once a file is loaded through the API."""
    _held, _free, _log, base = held_and_free
    page.goto(f"{base}/")
    wait_for_app(page)
    file = tmp_path / "consent_april_2025.csv"
    file.write_text("event_id,subject_id,occurred_at,purpose,decision,policy_version,channel,region\n"
                    "a01,s1,2025-04-30T10:00:00Z,marketing,opt_in,2023-06-01,web,US-CA\n")
    request = urllib.request.Request(f"{base}/api/v1/uploads?kind=consent&file={file.name}", data=file.read_bytes(),
                                     method="POST")
    assert page.get_by_text("Data to 30 Apr 2025").count() == 0
    with urllib.request.urlopen(request, timeout=60) as answer:
        assert json.loads(answer.read())["rows_loaded"] == 1
    # Within the page's check of the store (every 5 seconds), without anyone touching it.
    page.get_by_text("Data to 30 Apr 2025").wait_for(timeout=20_000)


# --- Sign-in on: tokens ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def signed(tmp_path_factory, sample_store_file, provider):
    """The dashboard with sign-in on (ana is an analyst, vic a viewer); (store, base URL, log)."""
    site = tmp_path_factory.mktemp("signed")
    port = free_port()
    write_sign_in_site(site, port, provider)
    store = copy_store(sample_store_file, site)
    process, base = start_streamlit(store, site / "streamlit.log", cwd=site, port=port,
                                    env={"PRIVACY_DASHBOARD_ROLES": str(site / "roles.toml")})
    yield store, base, site / "streamlit.log"
    process.terminate()
    process.wait(timeout=20)


def token(signed, name: str, *options: str) -> str:
    """A token made with the command line on the server's computer (it reaches the server through its address file)."""
    made = dashboard("token", "create", name, *options, db=signed[0])
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("pdt_") and made.stdout.count("\n") == 1
    return made.stdout.strip()


def call(method: str, url: str, *, secret: str | None = None, body: bytes | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, method=method,
                                     headers={"Authorization": f"Bearer {secret}"} if secret else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_without_a_token_the_api_answers_401(signed):
    status, answer = call("GET", f"{signed[1]}/api/v1/metrics")
    assert status == 401 and answer["error"].startswith("sign-in is on: send a token")
    assert call("GET", f"{signed[1]}/api/v1/uploads", secret="pdt_made-up")[0] == 401


def test_an_analyst_token_loads_and_undoes_and_is_recorded_by_name_and_owner(signed):
    _store, base, log = signed
    secret = token(signed, "nightly consent load", "--owner", "ana@retail.example")
    status, report = call("POST", f"{base}/api/v1/uploads?kind=consent&file=consent_march_2025.csv", secret=secret,
                          body=CONSENT.read_bytes())
    assert status == 200 and report["rows_loaded"] == 6
    status, removed = call("DELETE", f"{base}/api/v1/uploads/{report['upload_id']}", secret=secret)
    assert status == 200 and removed["rows_removed"] == 6
    history = call("GET", f"{base}/api/v1/uploads", secret=secret)[1]["uploads"]
    upload = next(item for item in history if str(item["upload_id"]) == str(report["upload_id"]))
    assert upload["loaded_by"] == upload["removed_by"] == "ana@retail.example (token ‘nightly consent load’)"
    # The log says who and what, and never the token.
    text = log.read_text()
    assert secret not in text
    assert '"event": "upload"' in text and "nightly consent load" in text


def test_a_viewer_token_reads_but_may_not_load_or_undo(signed):
    _store, base, _log = signed
    viewer = token(signed, "monthly report", "--role", "viewer", "--owner", "vic@retail.example")
    status, document = call("GET", f"{base}/api/v1/metrics?start=2024-01-01&end=2024-03-31", secret=viewer)
    assert status == 200 and document["range"] == {"start": "2024-01-01", "end": "2024-03-31"}
    status, answer = call("POST", f"{base}/api/v1/uploads?kind=consent&file=c.csv", secret=viewer,
                          body=CONSENT.read_bytes())
    assert status == 403 and "analysts" in answer["error"]
    assert call("DELETE", f"{base}/api/v1/uploads/1", secret=viewer)[0] == 403
    # An analyst token owned by a viewer of the roles file acts as a viewer.
    borrowed = token(signed, "borrowed", "--owner", "vic@retail.example")
    assert call("POST", f"{base}/api/v1/uploads?kind=consent&file=c.csv", secret=borrowed,
                body=CONSENT.read_bytes())[0] == 403


def test_a_revoked_token_is_refused(signed):
    store, base, _log = signed
    secret = token(signed, "short job", "--owner", "ana@retail.example")
    assert call("GET", f"{base}/api/v1/uploads", secret=secret)[0] == 200
    revoked = dashboard("token", "revoke", "short job", db=store)
    assert revoked.returncode == 0 and revoked.stdout.startswith("revoked token ‘short job’")
    assert call("GET", f"{base}/api/v1/uploads", secret=secret)[0] == 401


def test_the_command_line_reaches_another_machines_dashboard_with_a_token(signed, tmp_path):
    """--server URL and PRIVACY_DASHBOARD_TOKEN: the store path given is nobody's (another machine's view)."""
    _store, base, _log = signed
    secret = token(signed, "remote reader", "--role", "viewer", "--owner", "vic@retail.example")
    elsewhere = tmp_path / "not-here.duckdb"
    result = dashboard("report", "ccpa", "--year", "2023", "--csv", "--server", base, db=elsewhere,
                       env={"PRIVACY_DASHBOARD_TOKEN": secret})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("request_type,label,received,complied,denied,withdrawn,open,")
    refused = dashboard("uploads", "--server", base, db=elsewhere)
    assert refused.returncode == 1 and refused.stderr.startswith("sign-in is on: send a token")
    assert not elsewhere.exists()


# --- A server that was killed ------------------------------------------------------------------------------------

@pytest.mark.slow
def test_an_address_file_left_by_a_killed_server_is_ignored(tmp_path, sample_store_file):
    """A server that stops removes its address file; one that is killed leaves it, and the next command, finding
    nobody answering as that server, opens the store itself."""
    store = copy_store(sample_store_file, tmp_path)
    address = store.with_name(store.name + ".server")
    process, _base = start_streamlit(store, tmp_path / "stopped.log")
    assert address.exists()
    process.terminate()
    process.wait(timeout=20)
    assert not address.exists()
    process, _base = start_streamlit(store, tmp_path / "streamlit.log")
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=20)
    assert address.exists()  # left behind: it never stopped
    result = dashboard("uploads", db=store)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("upload ")

"""Erasure: `python -m dashboard forget` and the Data page's "Erase people" take people out of every figure
and out of the store file's bytes, and the history says that an erasure happened, never whom."""

import hashlib
import json
import re
from pathlib import Path

import duckdb
import pytest

from dashboard import pseudonyms
from tests.conftest import copy_store, dashboard, dashboard_process

# Jane appears by e-mail address in both exports (once with other capitals), the customer C-1001 by
# number; Bob and C-2002 stay. Event ids are plain, so nothing but the subject names anyone. Every
# subject is stored as its pseudonym, the customer numbers too.
CONSENT = """event_id,subject_id,occurred_at,purpose,decision,policy_version,channel,region
e1,jane.doe@example.com,2024-03-01T09:00:00Z,marketing,opt_in,2023-06-01,web,US-CA
e2,Jane.Doe@Example.com,2024-03-05T09:00:00Z,marketing,opt_out,2023-06-01,web,US-CA
e3,bob@example.org,2024-03-02T10:00:00Z,marketing,opt_in,2023-06-01,app,US-CA
e4,C-1001,2024-03-03T11:00:00Z,marketing,opt_in,2023-06-01,web,DE
e5,C-2002,2024-03-04T12:00:00Z,marketing,opt_out,2023-06-01,web,DE
e6,bob@example.org,2024-03-06T12:00:00Z,analytics,opt_in,2023-06-01,web,US-CA
"""
REQUESTS = """request_id,request_type,received_at,status,closed_at,subject_id,jurisdiction
r1,access,2024-03-10,open,,jane.doe@example.com,US-CA
r2,deletion,2024-03-11,open,,bob@example.org,US-CA
r3,access,2024-03-12,completed,2024-03-15,C-1001,DE
"""
# A later export closes Jane's request: a second version of r1.
REQUESTS_LATER = """request_id,request_type,received_at,status,closed_at,subject_id,jurisdiction
r1,access,2024-03-10,completed,2024-03-20,jane.doe@example.com,US-CA
"""
JANE = "jane.doe@example.com"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def loaded_store(tmp_path_factory) -> Path:
    """A store loaded from the three exports through the command line, once; each test erases from a copy."""
    folder = tmp_path_factory.mktemp("loaded")
    db = folder / "store.duckdb"
    for kind, name, text in (("consent", "consent.csv", CONSENT), ("requests", "requests.csv", REQUESTS),
                             ("requests", "requests_later.csv", REQUESTS_LATER)):
        loaded = dashboard("ingest", kind, str(write(folder, name, text)), db=db)
        assert loaded.returncode == 0, loaded.stderr
    return db


@pytest.fixture
def db(loaded_store, tmp_path) -> Path:
    return copy_store(loaded_store, tmp_path)


def pseudonym_of(db: Path, identity: str) -> str:
    return pseudonyms.pseudonym(pseudonyms.secret_key(db), identity)


def store_bytes(db: Path) -> bytes:
    """The store file and its WAL (if any), as anyone who can read them would."""
    wal = db.with_name(db.name + ".wal")
    return db.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def figures(db: Path) -> dict:
    result = dashboard("metrics", "--start", "2024-01-01", "--end", "2024-12-31", "--min-cell", "0", db=db)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    return {
        "consent": {row["purpose"]: (row["opt_ins"], row["opt_outs"], row["standing_subjects"])
                    for row in document["consent"]["by_purpose"]},
        "requests": {row["request_type"]: row["received"] for row in document["requests"]["by_type"]
                     if row["received"]},
    }


def subjects(db: Path) -> list[str]:
    with duckdb.connect(str(db), read_only=True) as connection:
        return [row[0] for row in connection.execute(
            "SELECT subject_id FROM consent UNION SELECT subject_id FROM request_versions ORDER BY 1").fetchall()]


def test_forget_takes_people_out_of_the_figures_and_out_of_the_file(db):
    jane, bob = pseudonym_of(db, JANE), pseudonym_of(db, "bob@example.org")
    customer, other_customer = pseudonym_of(db, "C-1001"), pseudonym_of(db, "C-2002")
    key = pseudonyms.key_path(db).read_bytes()
    assert figures(db) == {"consent": {"marketing": (3, 2, 4), "analytics": (1, 0, 1)},
                           "requests": {"access": 2, "deletion": 1}}
    assert subjects(db) == sorted([customer, other_customer, bob, jane])
    # The search can find them: both pseudonyms are in the file's bytes before the erasure, the number
    # as written never.
    before = store_bytes(db)
    assert before.count(jane.encode()) > 0 and before.count(customer.encode()) > 0
    assert before.count(b"C-1001") == 0

    result = dashboard("forget", "Jane.Doe@example.com", "C-1001", db=db)

    assert result.returncode == 0, result.stderr
    assert result.stdout == ("Erased 2 people: 3 consent rows and 3 request versions removed, 0 values cleared "
                             "from rejected rows and the history; the store file was rewritten without them.\n")
    assert result.stderr == ""
    # Marketing loses Jane's opt-in and opt-out and C-1001's opt-in; Jane's request (both versions) and
    # C-1001's go, Bob's deletion request stays.
    assert figures(db) == {"consent": {"marketing": (1, 1, 2), "analytics": (1, 0, 1)},
                           "requests": {"deletion": 1}}
    # Everyone else keeps their pseudonym: the key is the same, and so are the stored ids.
    assert pseudonyms.key_path(db).read_bytes() == key
    assert subjects(db) == sorted([other_customer, bob])
    after = store_bytes(db)
    assert (after.count(jane.encode()), after.count(customer.encode()), after.count(b"C-1001")) == (0, 0, 0)
    assert bob.encode() in after
    assert not db.with_name(db.name + ".wal").exists()
    assert db.stat().st_mode & 0o777 == 0o600
    assert JANE not in result.stdout.lower() and jane not in result.stdout

    # The history says an erasure happened, when, by whom and how many; not whom.
    history = dashboard("uploads", db=db).stdout
    assert re.search(r"^erasure 1  \d{4}-\d\d-\d\d \d\d:\d\d UTC  by \S.*: 2 people, 3 consent rows and "
                     r"3 request versions removed, 0 values cleared$", history, flags=re.MULTILINE), history
    assert "jane" not in history.lower() and "C-1001" not in history and jane not in history
    # The rewritten store goes on as before: the next upload takes the next number.
    more = dashboard("ingest", "consent", str(write(db.parent, "more.csv", CONSENT.replace("e1,", "e7,"))), db=db)
    assert json.loads(more.stdout)["upload_id"] == "4"


def test_forgetting_someone_absent_says_so_and_changes_nothing(db):
    fingerprint = hashlib.sha256(db.read_bytes()).hexdigest()

    result = dashboard("forget", "nobody@example.net", db=db)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "Not in the store: none of the 1 identity given; nothing was erased.\n"
    assert hashlib.sha256(db.read_bytes()).hexdigest() == fingerprint
    assert "erasure" not in dashboard("uploads", db=db).stdout


def test_an_erasure_stopped_before_its_rewrite_is_finished_by_the_next_forget(db):
    from dashboard import erasure
    from dashboard.store import open_store, work_dir

    # A process stopped between the erasure's commit and the rewrite: the rows are gone, the bytes not,
    # and a rewrite killed earlier left a partial copy in the store's private folder.
    connection = open_store(db)
    assert erasure.forget(connection, [JANE]).people == 1
    connection.close()
    jane = pseudonym_of(db, JANE)
    assert store_bytes(db).count(jane.encode()) > 0
    leftover = work_dir(db) / "rewrite-killed"
    leftover.mkdir()
    (leftover / "store.duckdb").write_bytes(b"partial copy")

    result = dashboard("forget", "nobody@example.net", db=db)

    assert result.returncode == 0, result.stderr
    assert result.stdout == ("Not in the store: none of the 1 identity given; nothing was erased (the store file "
                             "was rewritten to finish an earlier erasure).\n")
    assert store_bytes(db).count(jane.encode()) == 0
    assert not leftover.exists()
    # Finished once: the next forget of someone absent leaves the file alone.
    assert dashboard("forget", "nobody@example.net", db=db).stdout == (
        "Not in the store: none of the 1 identity given; nothing was erased.\n")


def test_identities_not_found_are_named_by_their_place_only(db):
    result = dashboard("forget", "nobody@example.net", "C-2002", "+1 555 010 0199", db=db)

    assert result.returncode == 0, result.stderr
    assert result.stdout == ("Erased 1 person: 1 consent row and 0 request versions removed, 0 values cleared from "
                             "rejected rows and the history; the store file was rewritten without them; not in the "
                             "store: identities 1, 3 of 3.\n")
    assert "nobody" not in result.stdout and "555" not in result.stdout


EMPTY = "identity 1 is empty: give an e-mail address, a phone number or a customer number as the exports write it"
TOO_LONG = "identity 2 is longer than 320 characters: not an identifier the store keeps"
CONTROL = "identity 1 holds control characters: give one identity per argument or line"


@pytest.mark.parametrize(("identities", "message"), [
    ([""], EMPTY),
    (["bob@example.org", "x" * 321], TOO_LONG),
    (["bob@example.org\tC-2002"], CONTROL),
])
def test_an_unusable_identity_exits_2_with_one_line_and_erases_nobody(db, identities, message):
    result = dashboard("forget", *identities, db=db)

    assert (result.returncode, result.stdout, result.stderr) == (2, "", f"forget: {message}\n")
    assert pseudonym_of(db, "bob@example.org") in subjects(db)


def test_a_missing_store_exits_1_and_is_not_created(tmp_path):
    missing = tmp_path / "nowhere.duckdb"

    result = dashboard("forget", JANE, db=missing)

    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == f"{missing}: no store here, so nobody to erase (check --db)\n"
    assert not missing.exists()


def test_a_store_in_use_exits_1_with_one_line_and_erases_nobody(db):
    with duckdb.connect(str(db)):  # another program holds it: the command is a process of its own
        result = dashboard_process("forget", JANE, db=db)
    assert (result.returncode, result.stdout) == (1, "")
    assert len(result.stderr.splitlines()) == 1 and "in use by another program" in result.stderr
    assert "Traceback" not in result.stderr
    assert pseudonym_of(db, JANE) in subjects(db)


def test_a_store_from_before_masking_loses_the_person_in_rejected_values_and_file_names(db):
    # A store written before identities were masked kept them raw in a rejected value and a file name.
    with duckdb.connect(str(db)) as connection:
        connection.execute("UPDATE uploads SET file_name = 'Jane.Doe@example.com.csv' WHERE upload_id = 1")
        connection.execute(
            "INSERT INTO rejected_rows (upload_id, line, column_name, value, reason) "
            "VALUES (1, 9, 'decision', 'jane.doe@example.com', 'decision is odd'), "
            "(1, 10, 'decision', 'bob@example.org', 'decision is odd')")
    assert store_bytes(db).lower().count(JANE.encode()) > 0

    result = dashboard("forget", JANE, db=db)

    assert result.returncode == 0, result.stderr
    assert "2 values cleared" in result.stdout
    with duckdb.connect(str(db), read_only=True) as connection:
        # The rejected row keeps its line and reason, so the upload's count of rejects stays true.
        assert connection.execute("SELECT line, value, reason FROM rejected_rows ORDER BY line").fetchall() == [
            (9, None, "decision is odd"), (10, "bob@example.org", "decision is odd")]
        assert connection.execute("SELECT file_name FROM uploads WHERE upload_id = 1").fetchone() == (
            "[erased].csv",)
    assert store_bytes(db).lower().count(JANE.encode()) == 0


def test_an_analyst_erases_people_on_the_data_page(app, app_store, tmp_path):
    for kind, name, text in (("consent", "consent.csv", CONSENT), ("requests", "requests.csv", REQUESTS)):
        assert dashboard("ingest", kind, str(write(tmp_path, name, text)), db=app_store).returncode == 0
    jane = pseudonym_of(app_store, JANE)
    assert store_bytes(app_store).count(jane.encode()) > 0
    app.switch_page("views/data.py").run()
    assert not app.exception

    app.text_area(key="data_erase_identities").set_value(f"{JANE}\n\nC-1001\n").run()
    # Nothing happens until the word is typed.
    app.button(key="data_erase_button").click().run()
    assert [error.value for error in app.error] == [
        "Type erase in the confirmation box to erase them; nothing was erased."]
    assert jane in subjects_of_app()

    app.text_input(key="data_erase_confirm").set_value("erase").run()
    app.button(key="data_erase_button").click().run()

    assert not app.exception
    assert [success.value for success in app.success] == [(
        "Erased 2 people: 3 consent rows and 2 request versions removed, 0 values cleared from rejected rows and "
        "the history; the store file was rewritten without them.")]
    assert subjects_of_app() == sorted([pseudonym_of(app_store, "C-2002"), pseudonym_of(app_store, "bob@example.org")])
    assert (store_bytes(app_store).count(jane.encode()), store_bytes(app_store).count(b"C-1001"),
            store_bytes(app_store).count(pseudonym_of(app_store, "C-1001").encode())) == (0, 0, 0)
    # The typed identities are gone from the page, and the erasure is listed by its counts.
    assert app.text_area(key="data_erase_identities").value == ""
    erasures = next(table.value for table in app.dataframe if "people" in table.value.columns)
    assert erasures[["people", "consent_rows", "request_rows"]].values.tolist() == [[2, 3, 2]]
    assert erasures["erased_by"].iloc[0].endswith("(dashboard, sign-in off)")


def subjects_of_app() -> list[str]:
    """The subjects in the app's own store, read through its held connection."""
    from dashboard import shell

    cursor = shell.connection().cursor()
    try:
        return [row[0] for row in cursor.execute(
            "SELECT subject_id FROM consent UNION SELECT subject_id FROM request_versions ORDER BY 1").fetchall()]
    finally:
        cursor.close()

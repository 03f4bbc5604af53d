"""People's e-mail addresses and phone numbers outside subject_id: pseudonymised, dropped, rejected or masked,
never in the store's bytes, a report, a warning, a rejected value, the upload history or a message."""

import json
import re

import pytest

from dashboard import identities
from dashboard.ingest import UnusableFile, ingest_file, preview_file
from dashboard.pseudonyms import pseudonym, secret_key
from dashboard.store import open_store
from tests.conftest import dashboard

EMAIL, PHONE = identities.EMAIL_PLACEHOLDER, identities.PHONE_PLACEHOLDER


def rows(connection, sql, parameters=None):
    return connection.execute(sql, parameters or {}).fetchall()


def store_bytes(connection, path) -> bytes:
    """The store file and its write-ahead log as they are on disk once everything is written and closed."""
    connection.execute("CHECKPOINT")
    connection.close()
    wal = path.with_name(path.name + ".wal")
    return path.read_bytes() + (wal.read_bytes() if wal.is_file() else b"")


def assert_absent(raw: bytes, texts) -> None:
    found = [text for text in texts if text.encode() in raw or text.lower().encode() in raw]
    assert found == []


@pytest.fixture(scope="module")
def macros_store(tmp_path_factory):
    """One store for the pattern checks: the macros are the store's own."""
    connection = open_store(tmp_path_factory.mktemp("macros") / "store.duckdb")
    yield connection
    connection.close()


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("jane.doe@example.com", EMAIL),
        ("Jane Doe <jane.doe@example.com>", EMAIL),
        ('"Doe, Jane" <jane.doe@example.com>', EMAIL),
        ("mailto:jane.doe@example.com", f"mailto:{EMAIL}"),
        ("write to jane.doe@example.com or ann@example.org.", f"write to {EMAIL} or {EMAIL}"),
        ("+1 (555) 010-2000", PHONE),
        ("(555) 010-2000", PHONE),
        ("+44 20 7946 0958", PHONE),
        ("+442079460958", PHONE),
        ("555.010.2000", PHONE),
        ("call +33 6 12 34 56 78 today", f"call {PHONE} today"),
        # Not identities: shown as written.
        ("12345678", "12345678"),
        ("p_3fa29b0c1234567890abcdef12345678", "p_3fa29b0c1234567890abcdef12345678"),
        ("marketing", "marketing"),
        ("email", "email"),
        ("2024-06-01", "2024-06-01"),
        ("2024-06-01 12:30:00", "2024-06-01 12:30:00"),
        ("01.06.2024", "01.06.2024"),
        ("3.14159265", "3.14159265"),
        ("rows read 1,234,567 (lines 2, 3, 4)", "rows read 1,234,567 (lines 2, 3, 4)"),
    ],
)
def test_python_and_the_store_mask_the_same_text_alike(macros_store, text, shown):
    assert identities.mask(text) == shown
    in_store = rows(macros_store, "SELECT masked($text), holds_identifier($text)", {"text": text})
    assert in_store == [(shown, shown != text)]


def test_a_file_name_keeps_its_suffixes():
    assert identities.mask_file_name("jane.doe@example.com.csv") == f"{EMAIL}.csv"
    assert identities.mask_file_name("Jane Doe <jane@example.com>.CSV.gz") == f"{EMAIL}.CSV.gz"
    assert identities.mask_file_name("calls +44 20 7946 0958.tsv") == f"calls {PHONE}.tsv"
    assert identities.mask_file_name("consent 2024-06-01.csv") == "consent 2024-06-01.csv"


CONSENT = """event_id,subject_id,occurred_at,purpose,decision,policy_version,channel,region
e1,grace.hopper@example.net,2024-04-01,marketing,yes,2023-06-01,kiosk_lobby_north,DE
e2,Grace Hopper <grace.hopper@example.net>,2024-04-02,marketing,no,heidi.hill@example.com,frank.foster@example.com,DE
e3,77001234,2024-04-03,marketing,yes,2023-06-01,kiosk_lobby_north,+44 20 7946 0958
ivan.ives@example.org,77001234,2024-04-04,analytics,yes,2023-06-01,web,FR
e5,77001234,2024-04-05,olivia.owens@example.com,yes,2023-06-01,web,DE
e6,77001234,2024-04-06,marketing,Peggy Page <peggy.page@example.com>,2023-06-01,web,DE
e7,77001234,judy.jones@example.com,marketing,yes,2023-06-01,web,DE
"""


def test_consent_identities_are_pseudonymised_dropped_or_rejected_and_never_stored(tmp_path):
    export = tmp_path / "jane.doe@example.com.csv"
    export.write_text(CONSENT)
    path = tmp_path / "store.duckdb"
    connection = open_store(path)
    report = ingest_file(connection, "consent", export)

    assert report.file == f"{EMAIL}.csv"
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (7, 4, 3)
    assert "values holding an e-mail address or phone number were not stored, and their rows were kept without " \
           "them: channel (1 row), policy_version (1 row), region (1 row)" in report.warnings
    assert not any("@" in warning or "frank" in warning for warning in report.warnings)
    assert rows(connection, "SELECT line, column_name, value, reason FROM rejected_rows ORDER BY line") == [
        (6, "purpose", EMAIL, "purpose holds an e-mail address or phone number, not a purpose"),
        (7, "decision", EMAIL, "decision holds an e-mail address or phone number, not a decision"),
        (8, "occurred_at", EMAIL, "occurred_at is not a date or time this dashboard reads"),
    ]
    # The plain address and its `Name <address>` form are one person; the customer number is a pseudonym too.
    grace = pseudonym(secret_key(path), "grace.hopper@example.net")
    ivan = pseudonym(secret_key(path), "ivan.ives@example.org")
    customer = pseudonym(secret_key(path), "77001234")
    assert rows(connection, "SELECT event_id, subject_id, policy_version, channel, region FROM consent ORDER BY 1") == [
        ("e1", grace, "2023-06-01", "kiosk_lobby_north", "DE"),
        ("e2", grace, "unknown", None, "DE"),
        ("e3", customer, "2023-06-01", "kiosk_lobby_north", None),
        (ivan, customer, "2023-06-01", "web", "FR"),
    ]
    assert rows(connection, "SELECT file_name FROM uploads") == [(f"{EMAIL}.csv",)]

    raw = store_bytes(connection, path)
    # The search finds what is stored: the masked file name and a channel written once in the file.
    assert f"{EMAIL}.csv".encode() in raw and b"kiosk_lobby_north" in raw
    assert_absent(raw, ["jane.doe@example.com", "jane.doe", "grace.hopper", "Grace Hopper", "heidi.hill",
                        "frank.foster", "frank_foster", "7946 0958", "ivan.ives", "olivia.owens", "olivia_owens",
                        "peggy.page", "Peggy Page", "judy.jones"])


REQUESTS = """request_id,request_type,received_at,status,closed_at,subject_id,jurisdiction,channel
alice.adams@example.com,access,2024-03-01,completed,2024-03-05,Alice Adams <alice.adams@example.com>,GDPR,web_form
REQ-2024-000123,deletion,2024-03-02,open,,77001234,carol.clark@example.com,dave.davis@example.com
r3,bob.brown@example.com,2024-03-03,open,,77001234,GDPR,web_form
r4,access,2024-03-04,+1 (555) 010-2000,,77001234,GDPR,web_form
r5,access,2024-03-05,completed,erin.evans@example.com,77001234,GDPR,web_form
r6,access,2024-03-06,open,,77001234,Narnia,web_form
"""


def test_request_ids_are_pseudonyms_that_find_the_same_request_again(tmp_path):
    export = tmp_path / "requests from +1 555 010 2000.csv"
    export.write_text(REQUESTS)
    path = tmp_path / "store.duckdb"
    connection = open_store(path)
    first = ingest_file(connection, "requests", export)

    assert first.file == f"requests from {PHONE}.csv"
    assert (first.rows_read, first.rows_loaded, first.rows_rejected) == (6, 3, 3)
    assert "values holding an e-mail address or phone number were not stored, and their rows were kept without " \
           "them: channel (1 row), jurisdiction (1 row)" in first.warnings
    # The jurisdiction that held an address is dropped, not listed among the unknown ones.
    assert "jurisdictions not recognised, counted as ‘No law recorded’: Narnia (1 row)" in first.warnings
    assert rows(connection, "SELECT line, column_name, value, reason FROM rejected_rows ORDER BY line") == [
        (4, "request_type", EMAIL, "request_type holds an e-mail address or phone number, not a request type"),
        (5, "status", PHONE, "status holds an e-mail address or phone number, not a status"),
        (6, "closed_at", EMAIL, "closed_at is not a date or time this dashboard reads"),
    ]
    alice = pseudonym(secret_key(path), "alice.adams@example.com")
    customer = pseudonym(secret_key(path), "77001234")
    # A ticket number with digit groups is not a phone number: analysts look it up as written.
    assert rows(connection, "SELECT request_id, subject_id, jurisdiction, channel FROM requests ORDER BY 1") == [
        ("REQ-2024-000123", customer, "unspecified", None),
        (alice, alice, "GDPR", "web_form"),
        ("r6", customer, "unspecified", "web_form"),
    ]

    again = ingest_file(connection, "requests", export)
    assert (again.rows_loaded, again.rows_duplicate) == (0, 3)
    assert rows(connection, "SELECT count(*) FROM requests") == [(3,)]
    assert rows(connection, "SELECT DISTINCT file_name FROM uploads") == [(f"requests from {PHONE}.csv",)]

    raw = store_bytes(connection, path)
    assert b"REQ-2024-000123" in raw and f"requests from {PHONE}.csv".encode() in raw
    assert_absent(raw, ["alice.adams", "Alice Adams", "carol.clark", "dave.davis", "dave_davis", "bob.brown",
                        "bob_brown", "010-2000", "555 010 2000", "erin.evans"])


def test_policy_titles_and_links_holding_an_address_are_dropped(tmp_path):
    export = tmp_path / "policies.csv"
    export.write_text(
        "policy_version,effective_date,title,url\n"
        "2023-06-01,2023-06-01,Privacy notice for shoppers,https://shop.example/privacy\n"
        "2024-01-15,2024-01-15,Questions: Rita Ross <rita.ross@example.com>,mailto:privacy.officer@example.com\n"
        "sam.smith@example.com,2024-02-01,Draft,\n"
    )
    path = tmp_path / "store.duckdb"
    connection = open_store(path)
    report = ingest_file(connection, "policies", export)

    assert (report.rows_loaded, report.rows_rejected) == (2, 1)
    assert "values holding an e-mail address or phone number were not stored, and their rows were kept without " \
           "them: title (1 row), url (1 row)" in report.warnings
    assert rows(connection, "SELECT policy_version, title, url FROM policies ORDER BY 1") == [
        ("2023-06-01", "Privacy notice for shoppers", "https://shop.example/privacy"),
        ("2024-01-15", None, None),
    ]
    assert rows(connection, "SELECT line, column_name, value, reason FROM rejected_rows") == [
        (4, "policy_version", EMAIL, "policy_version holds an e-mail address or phone number, not a version"),
    ]
    raw = store_bytes(connection, path)
    assert b"Privacy notice for shoppers" in raw
    assert_absent(raw, ["rita.ross", "Rita Ross", "privacy.officer", "sam.smith"])


def test_a_refused_file_is_named_and_quoted_masked(store, tmp_path):
    # No header line: the first row of data is read as the header, and the refusal lists it.
    export = tmp_path / "kim.kale@example.com.csv"
    export.write_text("kim.kale@example.com,2024-04-01,marketing,yes\n")
    for action in (ingest_file, preview_file):
        with pytest.raises(UnusableFile) as refused:
            action(store, "consent", export)
        message = str(refused.value)
        assert message.startswith(f"{EMAIL}.csv: ")
        assert f"found: {EMAIL}, 2024-04-01, marketing, yes" in message
        assert "kim" not in message


def test_the_command_line_shows_placeholders(tmp_path):
    export = tmp_path / "jane.doe@example.com.csv"
    export.write_text(CONSENT)
    refused = tmp_path / "Kim Kale <kim.kale@example.com>.csv"
    refused.write_text("kim.kale@example.com,2024-04-01,marketing,yes\n")
    db = str(tmp_path / "store.duckdb")

    loaded = dashboard("ingest", "consent", str(export), str(refused), db=db)
    assert json.loads(loaded.stdout)["file"] == f"{EMAIL}.csv"
    assert loaded.stderr.startswith(f"{EMAIL}.csv: ") and "kim" not in loaded.stderr.lower()
    history = dashboard("uploads", db=db).stdout
    assert f"{EMAIL}.csv" in history
    assert f"rejected line 6: ‘{EMAIL}’ purpose holds an e-mail address or phone number" in history
    assert "jane" not in history and "@" not in history.replace(EMAIL, "")


def shown(markdown_text: str) -> str:
    """What a reader sees of a Markdown message: bold markers and backslash escapes removed."""
    return re.sub(r"\\(.)", r"\1", re.sub(r"(?<!\\)\*\*", "", markdown_text))


def page_text(app) -> str:
    """Every message, heading, caption and table cell the page shows."""
    texts = [shown(element.value) for kind in ("success", "warning", "error", "info", "markdown", "caption",
                                               "subheader") for element in getattr(app, kind)]
    texts += [table.value.to_string() for table in app.dataframe]
    return "\n".join(texts)


def test_the_data_page_names_files_and_values_masked(app):
    app.switch_page("views/data.py").run()
    app.file_uploader[0].set_value([
        ("jane.doe@example.com.csv", CONSENT.encode(), "text/csv"),
        ("Kim Kale <kim.kale@example.com>.csv", b"kim.kale@example.com,2024-04-01,marketing,yes\n", "text/csv"),
    ])
    app.form_submit_button[0].click().run()
    assert not app.exception

    assert any(f"{EMAIL}.csv (consent, upload #" in shown(warning.value) for warning in app.warning)
    assert [shown(error.value).split(": ")[0] for error in app.error] == [f"{EMAIL}.csv"]
    history = next(table.value for table in app.dataframe if "file_name" in table.value.columns)
    assert list(history["file_name"]) == [f"{EMAIL}.csv"]
    rejected = next(table.value for table in app.dataframe if "value" in table.value.columns)
    assert list(rejected["value"]) == [EMAIL, EMAIL, EMAIL]
    text = page_text(app)
    assert "channel (1 row), policy_version (1 row), region (1 row)" in text
    assert_absent(text.encode(), ["jane", "kim", "frank", "grace", "olivia", "peggy", "judy", "7946"])

    # A file held for "Map columns myself" waits under its masked name.
    app.file_uploader[0].set_value([("olivia.owens@example.com.csv", CONSENT.encode(), "text/csv")])
    app.checkbox(key="data_map_myself").check()
    app.form_submit_button[0].click().run()
    assert not app.exception
    assert [shown(heading.value) for heading in app.subheader if "Map the columns" in heading.value] == [
        f"Map the columns of {EMAIL}.csv"]
    assert_absent(page_text(app).encode(), ["olivia", "frank", "grace"])


def test_a_store_from_before_masking_has_its_history_masked_when_next_opened(tmp_path, test_data):
    """What a store written by an earlier version kept as written (file name, warning, rejected value)."""
    path = tmp_path / "store.duckdb"
    connection = open_store(path)
    report = ingest_file(connection, "consent", test_data / "upload" / "consent_april.csv")
    connection.execute(
        "UPDATE uploads SET file_name = 'jane.doe@example.com.csv', "
        "warnings = ['purposes not in the catalogue, kept as new purposes: frank@example.com (1 rows)']")
    connection.execute("INSERT INTO rejected_rows (upload_id, line, column_name, value, reason) VALUES ($id, 7, 'purpose', 'ask +44 20 7946 0436', 'a reason')",
                       {"id": int(report.upload_id)})
    connection.execute("UPDATE store_meta SET value = '0' WHERE key = 'history_masked'")
    connection.close()

    connection = open_store(path)
    try:
        upload = connection.execute("SELECT file_name, warnings FROM uploads").fetchall()
        values = connection.execute("SELECT value FROM rejected_rows WHERE line = 7").fetchall()
    finally:
        connection.close()
    assert upload == [("[e-mail address].csv",
                       ["purposes not in the catalogue, kept as new purposes: [e-mail address] (1 rows)"])]
    assert values == [("ask [phone number]",)]

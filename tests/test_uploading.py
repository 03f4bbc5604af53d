"""Uploading one export (dashboard/uploading.py): what the Data page and the command line get back.

Test files under tests/data/uploading/ (example.com addresses only):
- transcend_requests_with_a_test.csv: the columns of Transcend's request export, as the shipped profile
  data/profiles/transcend_requests.toml takes them from the Transcend CLI (transcend-io/cli at commit
  7f00a8ba85a914448196597d5f33ac4881f23bc5, src/lib/requests/formatRequestForCsv.ts), a subset in that order.
  Four requests: r-1 and r-2 real, r-3 a test request (Is Test Request = true), r-4 with `not a date` as
  its Created At.
- transcend_requests_submitted.csv: the same rows with `Created At` named `Submitted`.
- requests_slash_dates.csv: canonical columns; received_at 03/14/2024 and 02/20/2024, closed_at 05/04/2024.
"""

import io
import json
import re
import tomllib
from pathlib import Path

import pytest

from dashboard import uploading
from dashboard.store import save_mapping as save_old_mapping
from dashboard.store import set_aside_reasons, set_aside_rows
from tests.conftest import dashboard

UPLOADS = Path(__file__).parent / "data" / "upload"
FILES = Path(__file__).parent / "data" / "uploading"
TRANSCEND = FILES / "transcend_requests_with_a_test.csv"
SUBMITTED = FILES / "transcend_requests_submitted.csv"
SLASH_DATES = FILES / "requests_slash_dates.csv"
SUBMITTED_HEADER = ("Request ID", "Submitted", "Successfully Completed At", "Email", "Core Identifier", "Request Type",
                    "Data Subject Type", "Status", "Country", "Country Sub Division", "Origin", "Is Test Request")
TEST_REQUEST = "a test request, not a real one"  # the reason data/profiles/transcend_requests.toml gives


def stored(connection) -> tuple[int, int]:
    return connection.execute(
        "SELECT (SELECT count(*) FROM consent) + (SELECT count(*) FROM request_versions), "
        "(SELECT count(*) FROM uploads)").fetchall()[0]


def test_a_refusal_knows_the_header_it_found(store, tmp_path):
    refused = uploading.load(store, "consent", UPLOADS / "consent_no_purpose.csv", file="consent_no_purpose.csv")

    assert isinstance(refused, uploading.Refused)
    # The file's first line: event_id,subject_id,occurred_at,decision — no purpose, which a consent export needs.
    assert refused.header == ("event_id", "subject_id", "occurred_at", "decision") and refused.mappable
    assert refused.message == ("consent_no_purpose.csv: column ‘purpose’ is missing for a consent export; found: "
                               "event_id, subject_id, occurred_at, decision")
    assert (refused.kind, refused.needs_confirmation) == ("consent", False)

    # A file that cannot be read has no header to map.
    missing = uploading.load(store, "consent", tmp_path / "nowhere.csv", file="nowhere.csv")
    assert (missing.message, missing.header, missing.mappable) == ("nowhere.csv: no such file", None, False)
    assert stored(store) == (0, 0)


def test_a_load_says_which_rows_its_profile_set_aside_and_why(store):
    loaded = uploading.load(store, "requests", TRANSCEND, file="transcend.csv", loaded_by="ana")

    assert isinstance(loaded, uploading.Loaded)
    report = loaded.report
    assert (report.format, loaded.title, loaded.mapped) == ("transcend_requests", "Transcend privacy requests (CSV)",
                                                            False)
    # 4 rows: r-1 and r-2 loaded (one type each), r-3 set aside as a test request, r-4 rejected (no date).
    assert (report.rows_read, report.rows_loaded, report.rows_duplicate, report.rows_rejected) == (4, 2, 0, 1)
    assert (loaded.rows_set_aside, loaded.set_aside) == (1, [(TEST_REQUEST, 1)])
    assert report.rows_read == report.rows_loaded + report.rows_duplicate + report.rows_rejected + loaded.rows_set_aside
    # r-3 is on line 4 (the header is line 1); the store keeps it apart from the rejected row on line 5.
    assert set_aside_rows(store, loaded.upload_id).values.tolist() == [[4, TEST_REQUEST]]
    assert set_aside_reasons(store) == {loaded.upload_id: [(TEST_REQUEST, 1, 4)]}
    assert store.execute("SELECT line FROM rejected_rows WHERE NOT set_aside").fetchall() == [(5,)]


def test_a_preview_says_why_each_date_column_reads_as_it_does(store):
    # received_at: 03/14/2024 and 02/20/2024 have a second field over 12 (14, 20): month-first whatever is
    # chosen. closed_at: 05/04/2024 reads both ways, so it follows the choice.
    for chosen, closed_order, closed_on in (("mdy", "mdy", "2024-05-04"), ("dmy", "dmy", "2024-04-05")):
        previewed = uploading.preview(store, "requests", SLASH_DATES, file="requests_slash_dates.csv",
                                      date_order=chosen)
        assert isinstance(previewed, uploading.Previewed)
        assert previewed.date_orders == (
            uploading.DateOrder("received_at", "mdy", "a second field over 12"),
            uploading.DateOrder("closed_at", closed_order, "as chosen: none of its dates tells the order"),
        )
        rows = previewed.preview.rows
        assert [str(day.date()) for day in rows["received_at"]] == ["2024-03-14", "2024-02-20"]
        assert str(rows["closed_at"].iloc[0].date()) == closed_on

    # June's shop export: 13/06/2024 and 14/06/2024 have a first field over 12: day-first though mdy is chosen.
    mapping = {"subject_id": "Person", "occurred_at": "Event Time", "purpose": "Category", "decision": "Choice"}
    june = uploading.preview(store, "consent", UPLOADS / "shop_consent_june.csv", file="june.csv", mapping=mapping)
    assert [(order.column, order.words, order.why) for order in june.date_orders] == [
        ("occurred_at", "day-first", "a first field over 12")]
    assert (june.preview.rows_read, june.preview.rows_rejected) == (4, 2)
    assert stored(store) == (0, 0)


def test_a_mapping_started_from_a_shipped_profile_is_saved_and_recognises_the_header_next_time(
        store, saved_profiles):
    refused = uploading.load(store, "requests", SUBMITTED, file="submitted.csv")
    assert refused.header == SUBMITTED_HEADER
    assert refused.message.startswith("submitted.csv: column ‘received_at’ is missing for the transcend_requests "
                                      "profile; found: Request ID, Submitted,")

    # The mapping screen starts from the profile that recognises the header: its one-column takes found in
    # the file are pre-selected; subject_id and jurisdiction are first_of rules of the profile.
    start = uploading.mapping_start(store, "requests", list(refused.header))
    assert start.profile.name == "transcend_requests" and not start.saved
    assert start.choices == {
        "request_id": "Request ID", "request_type": "Request Type", "received_at": None, "status": "Status",
        "closed_at": "Successfully Completed At", "subject_id": None, "jurisdiction": None, "extended": None,
        "channel": "Origin", "denial_reason": None,
    }
    assert start.ruled == ("subject_id", "jurisdiction", "denial_reason")

    copy = uploading.keep_copy(io.BytesIO(SUBMITTED.read_bytes()), "submitted.csv", saved_profiles.parent,
                               "upload-test-")
    held = uploading.hold(store, 1, copy, "submitted.csv", "requests", "mdy", refusal=refused)
    assert (held.header, held.asked) == (SUBMITTED_HEADER, False)
    loaded = uploading.load_held(store, held, {"received_at": "Submitted"}, date_order="mdy", based_on=start.profile,
                                 save_as="Transcend, Submitted", saved_by="ana", loaded_by="ana")
    # As the export with Created At: 2 loaded, r-3 set aside, r-4 rejected; the profile's words read ERASURE.
    assert (loaded.report.rows_loaded, loaded.report.rows_rejected, loaded.rows_set_aside) == (2, 1, 1)
    assert (loaded.mapped, loaded.saved_as.name, loaded.save_error) == (True, "transcend_submitted", None)
    assert store.execute("SELECT request_id, request_type, status FROM request_versions ORDER BY 1").fetchall() == [
        ("r-1", "deletion", "completed"), ("r-2", "access", "open")]

    # The profile file, read back as TOML: this header, the analyst's column, and the shipped profile's rules.
    saved = tomllib.loads((saved_profiles / "transcend_submitted.toml").read_text(encoding="utf-8"))
    assert (saved["name"], saved["kind"], saved["title"]) == ("transcend_submitted", "requests", "Transcend, Submitted")
    assert [re.sub(r"[\s.\-]+", "_", name.lower()) for name in saved["recognised_by"]] == [
        "request_id", "submitted", "successfully_completed_at", "email", "core_identifier", "request_type",
        "data_subject_type", "status", "country", "country_sub_division", "origin", "is_test_request"]
    assert saved["columns"]["received_at"] == "Submitted"
    assert saved["columns"]["subject_id"] == {"first_of": ["Email", "Core Identifier"]}
    assert saved["words"]["status"]["revoked"] == "withdrawn"
    assert saved["set_aside"] == [{"when": {"column": "Is Test Request", "in": ["true"]}, "reason": TEST_REQUEST}]

    # Next time the header is recognised by the saved profile: no mapping, the same rows set aside.
    again = uploading.load(store, "requests", SUBMITTED, file="submitted again.csv")
    assert (again.report.format, again.title, again.mapped) == ("transcend_submitted", "Transcend, Submitted", False)
    assert (again.report.rows_loaded, again.report.rows_duplicate, again.report.rows_rejected,
            again.rows_set_aside) == (0, 2, 1, 1)
    assert uploading.mapping_start(store, "requests", list(SUBMITTED_HEADER)).saved
    held.drop()
    assert not copy.exists()


def test_a_mapping_saved_in_the_store_before_profiles_stays_readable(store):
    june = ["Person", "Event Time", "Category", "Choice"]
    columns = {"subject_id": "Person", "occurred_at": "Event Time", "purpose": "Category", "decision": "Choice"}
    save_old_mapping(store, "Shop consent", "consent", june, columns)

    old = uploading.find_mapping(store, "Shop consent")
    assert (type(old).__name__, old.kind, old.columns) == ("SavedMapping", "consent", columns)
    # July's export writes the same header in lower case: the old mapping's choices in July's spelling.
    start = uploading.mapping_start(store, "consent", ["person", "event time", "category", "choice"])
    assert (start.saved, start.name, start.profile) == (True, "Shop consent", None)
    assert start.choices == {"event_id": None, "subject_id": "person", "occurred_at": "event time",
                             "purpose": "category", "decision": "choice", "policy_version": None, "channel": None,
                             "region": None, "method": None}

    # A profile saved under the same name is found first.
    profile = uploading.save_mapping("Shop consent", "consent", june, columns)
    assert uploading.find_mapping(store, "Shop consent") == profile and profile.name == "shop_consent"
    assert uploading.find_mapping(store, "shop_consent") == profile
    assert uploading.mapping_start(store, "consent", ["person", "event time", "category", "choice"]).profile == profile


def test_a_mapping_is_not_saved_under_a_name_it_cannot_take(store, tmp_path):
    assert uploading.profile_title_problem("?!") == "a saved mapping needs a name with letters or digits"
    assert uploading.profile_title_problem("Usercentrics") == (
        "‘usercentrics’ is the name of a shipped profile; choose another name")
    assert uploading.profile_title_problem("My CRM") is None

    copy = tmp_path / "june.csv"
    copy.write_bytes((UPLOADS / "shop_consent_june.csv").read_bytes())
    held = uploading.hold(store, 1, copy, "june.csv", "consent", "mdy")
    assert held.asked and held.header == ("Person", "Event Time", "Category", "Choice")
    columns = {"subject_id": "Person", "occurred_at": "Event Time", "purpose": "Category", "decision": "Choice"}
    refused = uploading.load_held(store, held, columns, date_order="mdy", save_as="Usercentrics")
    assert refused.message == ("june.csv: not loaded: ‘usercentrics’ is the name of a shipped profile; choose another "
                               "name")
    assert stored(store) == (0, 0)


@pytest.mark.parametrize("name, suffix", [("export.csv.gz", ".csv.gz"), ("export.TSV", ".tsv"), ("export", ".csv"),
                                          ("x.txt.gz", ".txt.gz"), ("a.b.csv", ".csv"), ("users.json.gz", ".json.gz"),
                                          ("prefs.parquet", ".parquet")])
def test_an_upload_is_copied_with_the_suffix_its_reader_needs(tmp_path, name, suffix):
    copy = uploading.keep_copy(io.BytesIO(b"a,b\n1,2\n"), name, tmp_path, "upload-session-")
    assert copy.parent == tmp_path and copy.name.startswith("upload-session-") and copy.name.endswith(suffix)
    assert copy.read_bytes() == b"a,b\n1,2\n"


# --- The command line goes through the same module ----------------------------------------------------------

def test_the_command_line_counts_set_aside_rows_and_saves_a_mapping_as_a_profile(tmp_path, saved_profiles):
    db = tmp_path / "cli.duckdb"
    result = dashboard("ingest", "requests", str(TRANSCEND), db=db)
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stdout)
    assert (line["format"], line["rows_read"], line["rows_loaded"], line["rows_rejected"], line["rows_set_aside"],
            line["set_aside"]) == ("transcend_requests", 4, 2, 1, 1, [[TEST_REQUEST, 1]])
    listing = dashboard("uploads", db=db).stdout
    assert "read 4, loaded 2, duplicate 0, rejected 1, set aside 1\n" in listing
    assert f"    set aside 1 row, first on line 4: {TEST_REQUEST}\n" in listing

    saved = dashboard("ingest", "requests", str(SUBMITTED), "--format", "transcend_requests",
                      "--map", "received_at=Submitted", "--save-map", "Transcend submitted", db=db)
    assert saved.returncode == 0, saved.stderr
    assert (json.loads(saved.stdout)["rows_loaded"], json.loads(saved.stdout)["rows_duplicate"]) == (0, 2)
    assert saved.stderr.startswith("saved the mapping as profile transcend_submitted (")
    assert (saved_profiles / "transcend_submitted.toml").is_file()
    # The profile's name is now a --format choice, and a file with that header needs no option at all.
    again = dashboard("ingest", "requests", str(SUBMITTED), db=db)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["format"] == "transcend_submitted"
    named = dashboard("ingest", "requests", str(SUBMITTED), "--format", "transcend_submitted", db=db)
    assert named.returncode == 0, named.stderr

    shipped = dashboard("ingest", "requests", str(SUBMITTED), "--map", "received_at=Submitted",
                        "--save-map", "usercentrics", db=db)
    assert (shipped.returncode, shipped.stdout) == (2, "")
    assert shipped.stderr == ("--save-map usercentrics: ‘usercentrics’ is the name of a shipped profile; choose "
                              "another name\n")


def test_the_command_line_says_how_many_rows_an_undo_leaves_to_another_upload(tmp_path):
    db = tmp_path / "cli.duckdb"
    april = UPLOADS / "consent_april.csv"
    copy = tmp_path / "april_again.csv"
    copy.write_bytes(april.read_bytes())
    assert dashboard("ingest", "consent", str(april), str(copy), db=db).returncode == 0
    # Upload 1 brought the 4 decisions; upload 2 holds the same 4 (duplicates): undoing 1 removes none of them.
    removed = dashboard("remove", "1", db=db)
    assert removed.stdout == ("removed upload 1 (consent_april.csv, consent): 0 stored rows removed, 4 kept because "
                              "another upload holds them\n")


# --- The Data page shows the structured results ---------------------------------------------------------------

def shown(markdown_text: str) -> str:
    """What a reader sees of a Markdown message: bold markers and backslash escapes removed."""
    return re.sub(r"\\(.)", r"\1", re.sub(r"(?<!\\)\*\*", "", markdown_text))


def test_the_data_page_shows_rows_set_aside_beside_the_rejected_ones(app):
    app.switch_page("views/data.py").run()
    app.segmented_control(key="data_kind").set_value("requests")
    app.file_uploader[0].set_value([("transcend.csv", TRANSCEND.read_bytes(), "text/csv")])
    app.form_submit_button[0].click().run()
    assert not app.exception

    assert any("transcend.csv (requests, upload #" in shown(warning.value)
               and "rows read 4, loaded 2, duplicate 0, rejected 1, set aside 1." in shown(warning.value)
               for warning in app.warning)
    assert any(shown(caption.value) == "Recognised as Transcend privacy requests (CSV)." for caption in app.caption)
    texts = [shown(markdown.value) for markdown in app.markdown]
    assert f"Set aside (1): neither loaded nor rejected, by reason:\n- 1 row: {TEST_REQUEST}" in texts
    rejected = next(table.value for table in app.dataframe if "column_name" in table.value.columns)
    assert list(rejected["line"]) == [5]
    set_aside = next(table.value for table in app.dataframe if list(table.value.columns) == ["line", "reason"])
    assert set_aside.values.tolist() == [[4, TEST_REQUEST]]
    history = next(table.value for table in app.dataframe if "file_name" in table.value.columns)
    assert list(history["rows_set_aside"]) == [1]


def test_the_undo_confirmation_says_how_many_rows_go_and_stay(app):
    app.switch_page("views/data.py").run()
    april = (UPLOADS / "consent_april.csv").read_bytes()
    app.file_uploader[0].set_value([("consent_april.csv", april, "text/csv"), ("april_again.csv", april, "text/csv")])
    app.form_submit_button[0].click().run()
    history = next(table.value for table in app.dataframe if "file_name" in table.value.columns)
    first = int(history.loc[history["file_name"] == "consent_april.csv", "upload_id"].iloc[0])

    app.selectbox(key="data_undo_choice").set_value(first).run()
    app.button(key="data_remove_start").click().run()
    # consent_april.csv brought 4 decisions; april_again.csv holds the same 4, so they stay.
    assert any(f"Remove upload #{first} consent_april.csv? 0 stored consent rows leave the store and every figure; "
               "4 stay, because another upload holds them too." in shown(warning.value) for warning in app.warning)


def test_the_mapping_screen_starts_from_the_profile_that_recognises_the_header(app, saved_profiles):
    app.switch_page("views/data.py").run()
    app.segmented_control(key="data_kind").set_value("requests")
    app.file_uploader[0].set_value([("submitted.csv", SUBMITTED.read_bytes(), "text/csv")])
    app.form_submit_button[0].click().run()
    assert not app.exception

    assert any("This header is recognised as Transcend privacy requests (CSV)" in shown(info.value)
               for info in app.info)
    boxes = {box.label.removesuffix(" (required)"): box for box in app.selectbox if box.key.startswith("data_map_")}
    rule = "— as ‘Transcend privacy requests (CSV)’ makes it —"
    assert {column: box.value for column, box in boxes.items()} == {
        "request_id": "Request ID", "request_type": "Request Type", "received_at": rule, "status": "Status",
        "closed_at": "Successfully Completed At", "subject_id": rule, "jurisdiction": rule,
        "extended": "— not in this file —", "channel": "Origin", "denial_reason": rule,
    }
    # received_at is still missing: the preview says so, in one line.
    assert any("column ‘received_at’ is missing for the transcend_requests profile" in shown(error.value)
               for error in app.error)
    boxes["received_at"].set_value("Submitted").run()
    assert next(metric.value for metric in app.metric if metric.label == "Rows read") == "4"
    next(box for box in app.text_input if box.label == "Save this mapping as").input("Transcend, Submitted")
    next(button for button in app.button if button.label == "Load with this mapping").click().run()

    assert not app.exception
    assert any("submitted.csv (requests, upload #" in shown(warning.value)
               and "rows read 4, loaded 2, duplicate 0, rejected 1, set aside 1." in shown(warning.value)
               for warning in app.warning)
    assert any(shown(caption.value) == "Columns mapped by you, on top of Transcend privacy requests (CSV)."
               for caption in app.caption)
    saved = tomllib.loads((saved_profiles / "transcend_submitted.toml").read_text(encoding="utf-8"))
    assert saved["set_aside"][0]["reason"] == TEST_REQUEST and saved["columns"]["received_at"] == "Submitted"


def test_the_data_page_takes_a_json_lines_export(app):
    app.switch_page("views/data.py").run()
    assert app.file_uploader[0].label == "Export files (CSV, JSON lines or Parquet; also gzipped)"
    export = Path(__file__).parent / "data" / "vendors" / "didomi" / "users-part-00000.json.gz"
    app.file_uploader[0].set_value([(export.name, export.read_bytes(), "application/gzip")])
    app.form_submit_button[0].click().run()
    assert not app.exception
    assert any(shown(caption.value) == "Recognised as Didomi batch export, users (JSON lines)."
               for caption in app.caption)
    history = next(table.value for table in app.dataframe if "file_name" in table.value.columns)
    # The history names the layout by its title, not the profile's key ("didomi").
    assert list(history["file_name"]) == ["users-part-00000.json.gz"]
    assert list(history["format"]) == ["Didomi batch export, users (JSON lines)"]

"""The command line end to end: real files, a real store file; its main() in this process, and a real
`python -m dashboard` process where the process itself is the point (its exit status, a store another program holds)."""

import getpass
import json
import re

import pytest

from tests.conftest import dashboard, dashboard_process


@pytest.fixture
def db(tmp_path):
    return tmp_path / "cli.duckdb"


def test_ingest_prints_one_json_line_per_file(db, test_data):
    result = dashboard("ingest", "consent", str(test_data / "ingest" / "consent_messy.csv"),
                       str(test_data / "ingest" / "consent_messy.csv"), db=db)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(line["upload_id"], line["rows_read"], line["rows_loaded"], line["rows_duplicate"], line["rows_rejected"])
            for line in lines] == [("1", 11, 7, 0, 4), ("2", 11, 0, 7, 4)]
    assert lines[0]["file"] == "consent_messy.csv"
    assert lines[0]["kind"] == "consent" and lines[0]["format"] == "canonical"
    assert result.stderr == ""


def test_unusable_file_exits_1_with_one_line_and_stores_nothing(db, test_data, tmp_path):
    bad = tmp_path / "requests.csv"
    bad.write_text("id,type,date\n1,access,2024-01-01\n")
    result = dashboard_process("ingest", "requests", str(bad), db=db)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        "requests.csv: columns ‘request_id’, ‘request_type’, ‘received_at’, ‘status’ are missing for a "
        "requests export; found: id, type, date\n"
    )
    assert "No uploads yet" in dashboard("uploads", db=db).stdout


def test_good_files_still_load_when_another_is_refused(db, test_data, tmp_path):
    result = dashboard("ingest", "policies", str(tmp_path / "nowhere.csv"),
                       str(test_data / "ingest" / "policies.csv"), db=db)
    assert result.returncode == 1
    assert result.stderr == "nowhere.csv: no such file\n"
    assert json.loads(result.stdout)["rows_loaded"] == 3


@pytest.mark.parametrize(
    "arguments",
    [
        ("ingest", "cookies", "x.csv"),
        ("ingest", "consent", "x.csv", "--date-order", "ymd"),
        ("ingest", "consent", "x.csv", "--map", "subject_id"),
        ("metrics", "--start", "2024-13-01"),
        ("metrics", "--min-cell", "-3"),
        ("report", "ccpa"),
        ("frobnicate",),
    ],
)
def test_wrong_usage_exits_2(db, arguments):
    result = dashboard(*arguments, db=db)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_map_option_takes_a_column_from_another_name(db, tmp_path):
    export = tmp_path / "tool.csv"
    export.write_text("Person,When,What,Choice\nu1,2024-02-01,marketing,yes\n")
    result = dashboard("ingest", "consent", str(export), "--map", "subject_id=Person", "--map", "occurred_at=When",
                       "--map", "purpose=What", "--map", "decision=Choice", db=db)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["rows_loaded"] == 1


def test_uploads_lists_history_with_rejected_rows_and_remove_undoes_one(db, test_data):
    dashboard("ingest", "consent", str(test_data / "ingest" / "consent_messy.csv"), db=db)
    dashboard("ingest", "requests", str(test_data / "ingest" / "requests_messy.csv"), db=db)
    listing = dashboard("uploads", db=db).stdout
    assert "requests_messy.csv" in listing and "consent_messy.csv" in listing
    assert "read 11, loaded 7, duplicate 0, rejected 4" in listing
    assert "rejected line 7: ‘maybe’ decision is not opt_in, opt_out, acknowledge or shown, nor a synonym of one" in listing
    removed = dashboard("remove", "2", db=db)
    assert removed.returncode == 0
    assert removed.stdout == ("removed upload 2 (requests_messy.csv, requests): 6 stored rows removed, 0 kept "
                              "because another upload holds them\n")
    # The undo stays in the history: who removed it, and when.
    listing = dashboard("uploads", db=db).stdout
    assert re.search(r"upload 2 .* requests_messy\.csv .*\n.*\n    removed \d{4}-\d\d-\d\d \d\d:\d\d UTC by "
                     + re.escape(getpass.getuser()) + ": its rows are no longer in the store", listing)
    again = dashboard("remove", "2", db=db)
    assert again.returncode == 1
    assert again.stderr.startswith("upload 2: already removed, on ") and again.stderr.endswith(
        f"UTC by {getpass.getuser()}\n")
    missing = dashboard("remove", "9", db=db)
    assert missing.returncode == 1
    assert missing.stderr == "upload 9: no such upload (see ‘python -m dashboard uploads’)\n"


def test_uploads_shows_the_first_twenty_rejected_rows_of_each_upload_and_counts_the_rest(db, tmp_path):
    """23 rows whose decision is ‘maybe’ (lines 2 to 24) and one good row: the history shows lines 2 to 21 and says
    3 more, for the first upload; the second, with 2 bad rows, shows both and no more."""
    header = "event_id,subject_id,occurred_at,purpose,decision,policy_version,channel,region\n"
    many, few = tmp_path / "many.csv", tmp_path / "few.csv"
    many.write_text(header + "".join(f"e{n},s{n},2024-03-01,marketing,maybe,v1,web,EU\n" for n in range(23))
                    + "ok,s99,2024-03-01,marketing,opt_in,v1,web,EU\n")
    few.write_text(header + "f1,t1,2024-03-01,marketing,maybe,v1,web,EU\nf2,t2,2024-03-01,marketing,maybe,v1,web,EU\n"
                   "f3,t3,2024-03-01,marketing,opt_in,v1,web,EU\n")
    assert dashboard("ingest", "consent", str(many), str(few), db=db).returncode == 0
    listing = dashboard("uploads", db=db).stdout
    first = listing[listing.index("upload 1 "):]
    second = listing[listing.index("upload 2 "):listing.index("upload 1 ")]
    assert re.findall(r"rejected line (\d+):", first) == [str(line) for line in range(2, 22)]
    assert "    … 3 more: python -m dashboard uploads --rejected 1\n" in first
    assert re.findall(r"rejected line (\d+):", second) == ["2", "3"] and "more:" not in second


def test_a_store_in_use_gives_one_line(db, test_data):
    import duckdb

    holder = duckdb.connect(str(db))  # another program holding the store open for writing
    try:
        result = dashboard_process("ingest", "policies", str(test_data / "ingest" / "policies.csv"), db=db)
    finally:
        holder.close()
    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1
    assert "the store is in use by another program" in result.stderr


def test_a_saved_mapping_is_reused_by_name(db, tmp_path):
    first, second = tmp_path / "march.csv", tmp_path / "april.csv"
    first.write_text("Person,When,What,Choice\nu1,2024-03-01,marketing,yes\n")
    second.write_text("Person,When,What,Choice\nu2,2024-04-01,marketing,no\nu3,2024-04-02,research,yes\n")
    saved = dashboard("ingest", "consent", str(first), "--map", "subject_id=Person", "--map", "occurred_at=When",
                      "--map", "purpose=What", "--map", "decision=Choice", "--save-map", "crm-export", db=db)
    assert saved.returncode == 0, saved.stderr
    reused = dashboard("ingest", "consent", str(second), "--map", "crm-export", db=db)
    assert reused.returncode == 0, reused.stderr
    assert json.loads(reused.stdout)["rows_loaded"] == 2
    wrong_kind = dashboard("ingest", "requests", str(second), "--map", "crm-export", db=db)
    assert wrong_kind.returncode == 2
    assert wrong_kind.stderr == "--map crm-export: that mapping is for consent exports, not requests\n"


def test_vendor_formats_are_detected_from_the_header(db, tmp_path):
    export = tmp_path / "uc.csv"
    export.write_text(
        "Controller ID,Timestamp,CMP Configuration ID,CMP Configuration Version,Consent Action,"
        "Data Processing Service ID,Data Processing Service Version,Consent Given,Consent String\n"
        "cz0Jm1,1709301768000,cfg1,12,onAcceptAllServices,HkocEodjb7,1.0,true,\n"
    )
    result = dashboard("ingest", "consent", str(export), db=db)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["format"] == "usercentrics"
    named = dashboard("ingest", "requests", str(export), "--format", "fides_requests", db=db)
    assert named.returncode == 1
    assert named.stderr.startswith("uc.csv: columns ‘request_id’, ‘request_type’, ‘received_at’, ‘status’ are "
                                   "missing for the fides_requests profile; found: Controller ID, Timestamp,")

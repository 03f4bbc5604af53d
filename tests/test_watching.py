"""Watched folders: a file dropped into a folder the settings list is loaded once by the server, by itself; a file
that cannot be loaded is moved aside with its reason and never tried again by itself; a setting that cannot be
used is named, and the other folders are still watched.

Real stores, real folders under the test's own temporary folder, the files of tests/data/watching/:
- consent_may.csv: four consent decisions in the canonical columns, each valid (4 rows loaded);
- survey_answers.csv: a header of `date, topic, answer`, none of the consent columns (refused).
"""

import json
import logging
import os
import shutil
import time
import urllib.request
from pathlib import Path

import pytest

from dashboard import settings, small_counts, watching
from dashboard.settings import SETTINGS_ENV
from dashboard.store import open_store
from tests.conftest import TEST_DATA, copy_store

FILES = TEST_DATA / "watching"
GOOD = FILES / "consent_may.csv"
BAD = FILES / "survey_answers.csv"
# Counted by hand: the good file's lines after its header.
GOOD_ROWS = len(GOOD.read_text().splitlines()) - 1
assert GOOD_ROWS == 4
BAD_REASON = ("survey_answers.csv: columns ‘subject_id’, ‘occurred_at’, ‘purpose’, ‘decision’ are missing for a "
              "consent export; found: date, topic, answer")


def settings_file(tmp_path: Path, monkeypatch, text: str) -> Path:
    path = tmp_path / "settings.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv(SETTINGS_ENV, str(path))
    return path


def one_source(folder: Path, *, name: str = "Nightly consent", settle: int = 0, interval: int = 300,
               extra: str = "") -> str:
    return (f"watch_interval_seconds = {interval}\n\n[[watch]]\nname = \"{name}\"\nfolder = '{folder}'\n"
            f"kind = \"consent\"\nsettle_seconds = {settle}\n{extra}")


@pytest.fixture
def drop(tmp_path, monkeypatch) -> Path:
    """A watched folder, the only source of the settings file."""
    folder = tmp_path / "drop"
    folder.mkdir()
    settings_file(tmp_path, monkeypatch, one_source(folder))
    return folder


def watched_rows(store) -> list[tuple]:
    return store.execute("SELECT source, file_name, outcome, upload_id, reason, moved_to FROM watched_files "
                         "ORDER BY seen_at, file_name").fetchall()


def uploads(store) -> list[tuple]:
    return store.execute("SELECT upload_id, file_name, rows_loaded, rows_duplicate, loaded_by FROM uploads "
                         "ORDER BY upload_id").fetchall()


# --- Loading once --------------------------------------------------------------------------------------------

def test_a_dropped_file_is_loaded_once_and_a_copy_of_it_under_another_name_loads_nothing(store, drop):
    watcher = watching.Watcher(lambda: store)
    shutil.copy(GOOD, drop / "consent_may.csv")

    [loaded] = watcher.check_now()
    assert (loaded.outcome, loaded.file, loaded.rows_loaded, loaded.upload_id) == ("loaded", "consent_may.csv", 4, 1)
    assert uploads(store) == [(1, "consent_may.csv", GOOD_ROWS, 0, "watched folder ‘Nightly consent’")]
    assert store.execute("SELECT count(*) FROM consent").fetchall() == [(GOOD_ROWS,)]
    # The loaded file stays where it is, and the next round does not even read it.
    assert (drop / "consent_may.csv").exists()
    assert watcher.check_now() == []

    # The same bytes under another name (a transfer that ran twice): recorded, not loaded.
    shutil.copy(GOOD, drop / "consent_may (copy).csv")
    [again] = watcher.check_now()
    assert again.outcome == "duplicate" and again.upload_id is None
    assert again.reason == ("consent_may (copy).csv: the same content as upload #1, loaded already; "
                            "not loaded again")
    assert len(uploads(store)) == 1
    assert [row[:3] for row in watched_rows(store)] == [("Nightly consent", "consent_may.csv", "loaded"),
                                                        ("Nightly consent", "consent_may (copy).csv", "duplicate")]
    # The private copies went: nothing of either file is left in the store's own folder.
    assert [path.name for path in Path(str(store.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()[0][0])
        + ".work").iterdir() if path.name.startswith("watched-")] == []


def test_a_file_loaded_by_hand_first_is_a_duplicate_and_a_new_version_of_a_watched_file_loads(store, drop, tmp_path):
    from dashboard import uploading

    by_hand = uploading.load(store, "consent", GOOD, file="consent_may.csv", loaded_by="ana")
    assert by_hand.upload_id == 1
    shutil.copy(GOOD, drop / "may.csv")
    watcher = watching.Watcher(lambda: store)
    [duplicate] = watcher.check_now()
    assert duplicate.outcome == "duplicate" and "upload #1" in duplicate.reason

    # The nightly transfer writes a new version under the same name: one decision more. Its four earlier rows are
    # duplicates of upload #1's, the fifth is new.
    newer = GOOD.read_text() + "w5,C-2004,2024-05-05T08:00:00Z,marketing,opt_in,2023-06-01,web,DE\n"
    (drop / "may.csv").write_text(newer)
    later = time.time() + 5
    os.utime(drop / "may.csv", (later, later))
    [loaded] = watcher.check_now()
    assert loaded.outcome == "loaded"
    assert uploads(store)[-1] == (2, "may.csv", 1, 4, "watched folder ‘Nightly consent’")


def test_only_finished_regular_files_matching_the_pattern_are_taken(store, drop):
    watcher = watching.Watcher(lambda: store)
    (drop / "sub").mkdir()
    shutil.copy(GOOD, drop / "sub" / "in_a_subfolder.csv")
    shutil.copy(GOOD, drop / ".hidden.csv")
    for unfinished in ("consent.csv.part", "consent.csv.tmp", "consent.csv.partial"):
        shutil.copy(GOOD, drop / unfinished)
    shutil.copy(GOOD, drop / "notes.txt")
    (drop / "linked.csv").symlink_to(GOOD)
    assert watcher.check_now() == []
    # Upper and lower case match alike: "*.csv" takes an export named .CSV.
    shutil.copy(GOOD, drop / "EXPORT.CSV")
    assert [(outcome.file, outcome.outcome) for outcome in watcher.check_now()] == [("EXPORT.CSV", "loaded")]


def test_a_file_still_being_written_is_taken_once_it_settled(store, tmp_path, monkeypatch):
    folder = tmp_path / "slow"
    folder.mkdir()
    settings_file(tmp_path, monkeypatch, one_source(folder, settle=30))
    watcher = watching.Watcher(lambda: store)
    shutil.copy(GOOD, folder / "consent_may.csv")  # changed just now: not 30 seconds ago
    assert watcher.check_now() == []
    assert watched_rows(store) == []
    settled = time.time() - 31
    os.utime(folder / "consent_may.csv", (settled, settled))
    assert [outcome.outcome for outcome in watcher.check_now()] == ["loaded"]


# --- Setting aside -------------------------------------------------------------------------------------------

def test_a_bad_file_is_moved_aside_with_its_reason_and_not_tried_again(store, drop):
    watcher = watching.Watcher(lambda: store)
    shutil.copy(BAD, drop / "survey_answers.csv")
    shutil.copy(GOOD, drop / "consent_may.csv")

    outcomes = {outcome.file: outcome for outcome in watcher.check_now()}
    assert outcomes["consent_may.csv"].outcome == "loaded"
    refused = outcomes["survey_answers.csv"]
    aside = drop / "not-loaded"
    assert (refused.outcome, refused.reason, refused.moved_to) == ("refused", BAD_REASON,
                                                                  str(aside / "survey_answers.csv"))
    assert not (drop / "survey_answers.csv").exists()
    assert (aside / "survey_answers.csv").read_bytes() == BAD.read_bytes()
    note = (aside / "survey_answers.csv.reason.txt").read_text(encoding="utf-8")
    assert note.startswith(BAD_REASON + "\n") and "watched folder ‘Nightly consent’" in note
    assert ("Nightly consent", "survey_answers.csv", "refused", None, BAD_REASON,
            str(aside / "survey_answers.csv")) in watched_rows(store)
    assert len(uploads(store)) == 1

    # Never again by itself: the next rounds find nothing new (not-loaded/ is a subfolder, not offered).
    assert watcher.check_now() == [] and watcher.check_now() == []
    assert len(watched_rows(store)) == 2

    # Put back by someone (still bad): tried once more, and moved aside beside the first under a name of its own.
    shutil.move(aside / "survey_answers.csv", drop / "survey_answers.csv")
    (aside / "survey_answers.csv.reason.txt").unlink()
    shutil.copy(BAD, aside / "survey_answers.csv")  # another file of that name is there already
    [again] = watcher.check_now()
    assert again.outcome == "refused" and again.moved_to == str(aside / "survey_answers (2).csv")
    assert (aside / "survey_answers (2).csv.reason.txt").exists()


def test_a_bad_file_that_cannot_be_moved_stays_recorded_and_is_not_tried_again(store, drop):
    (drop / "not-loaded").write_text("a file where the folder for set-aside files would go\n")
    shutil.copy(BAD, drop / "survey_answers.csv")
    watcher = watching.Watcher(lambda: store)
    [refused] = watcher.check_now()
    assert refused.outcome == "refused" and refused.moved_to is None
    assert refused.reason == (BAD_REASON + " (it could not be moved aside: FileExistsError; it stays and is not "
                                           "tried again)")
    assert (drop / "survey_answers.csv").exists()
    assert watcher.check_now() == []
    assert len(watched_rows(store)) == 1


# --- Settings ------------------------------------------------------------------------------------------------

def test_an_unusable_source_is_named_and_the_others_still_run(store, tmp_path, monkeypatch, caplog):
    good, other = tmp_path / "good", tmp_path / "other"
    good.mkdir()
    other.mkdir()
    path = settings_file(tmp_path, monkeypatch, one_source(good) + f"""
[[watch]]
name = "Cookies"
folder = '{other}'
kind = "cookies"

[[watch]]
folder = '{other}'
kind = "consent"

[[watch]]
name = "Nightly consent"
folder = '{other}'
kind = "consent"

[[watch]]
name = "Typo"
folder = '{other}'
kind = "consent"
patern = "*.csv"

[[watch]]
name = "Unknown profile"
folder = '{other}'
kind = "consent"
format = "no_such_vendor"

[[watch]]
name = "Requests read as consent"
folder = '{other}'
kind = "consent"
format = "transcend_requests"

[[watch]]
name = "Missing folder"
folder = '{tmp_path / "nowhere"}'
kind = "requests"
""")
    found = watching.configuration()
    assert [source.name for source in found.sources] == ["Nightly consent"]
    assert len(found.problems) == 7
    assert found.problems[0] == f"{path}: [[watch]] ‘Cookies’: kind must be one of consent, requests, policies, " \
                                "not 'cookies'"
    assert found.problems[1] == f"{path}: [[watch]] number 3: name is missing"
    assert found.problems[2].endswith("‘Nightly consent’: the name is used by another [[watch]] table; each needs "
                                      "its own")
    assert found.problems[3].endswith("‘Typo’: unknown setting patern (known: name, folder, pattern, kind, format, "
                                      "date_order, settle_seconds)")
    assert "‘Unknown profile’: format ‘no_such_vendor’ is not a profile (known: auto, canonical, " in found.problems[4]
    assert found.problems[5].endswith("‘Requests read as consent’: format ‘transcend_requests’ reads requests "
                                      "exports, not consent")
    assert found.problems[6].endswith(f"‘Missing folder’: folder {tmp_path / 'nowhere'} does not exist or is not a "
                                      "folder")

    shutil.copy(GOOD, good / "consent_may.csv")
    shutil.copy(GOOD, other / "consent_may.csv")  # in the folders of unusable sources only: never taken
    watcher = watching.Watcher(lambda: store)
    with caplog.at_level(logging.WARNING, logger="dashboard.watching"):
        [loaded] = watcher.check_now()
        watcher.check_now()
    assert (loaded.source, loaded.outcome) == ("Nightly consent", "loaded")
    # Each problem is logged once, not at every round.
    logged = [record.getMessage() for record in caplog.records if record.name == "dashboard.watching"]
    assert len(logged) == 7 and all(message.startswith("watched folders: ") for message in logged)
    assert any("‘Cookies’: kind must be one of" in message for message in logged)


def test_a_settings_file_that_cannot_be_read_is_one_line_and_nothing_is_taken(store, tmp_path, monkeypatch):
    folder = tmp_path / "drop"
    folder.mkdir()
    shutil.copy(GOOD, folder / "consent_may.csv")
    path = settings_file(tmp_path, monkeypatch, one_source(folder) + "kind = \n")
    found = watching.configuration()
    assert found.sources == () and len(found.problems) == 1
    assert found.problems[0].startswith(f"{path}: not a readable TOML file (")
    assert watching.Watcher(lambda: store).check_now() == []


def test_the_settings_file_named_in_the_environment_holds_every_setting(tmp_path, monkeypatch):
    monkeypatch.delenv(small_counts.MIN_CELL_ENV, raising=False)
    monkeypatch.delenv(settings.STALE_AFTER_DAYS_ENV, raising=False)
    settings_file(tmp_path, monkeypatch, "min_cell = 7\nstale_after_days = 9\nwatch_interval_seconds = 0\n")
    assert (small_counts.configured_min_cell(), settings.stale_after_days()) == (7, 9)
    found = watching.configuration()
    assert (found.interval, found.sources, found.problems) == (0, (), ())


# --- The thread ----------------------------------------------------------------------------------------------

def test_the_watcher_takes_a_file_dropped_while_it_runs_within_its_interval_and_stops_at_once(store, tmp_path,
                                                                                              monkeypatch):
    folder = tmp_path / "drop"
    folder.mkdir()
    settings_file(tmp_path, monkeypatch, one_source(folder, interval=1))
    watcher = watching.Watcher(lambda: store)
    watcher.start()
    try:
        started = time.monotonic()
        while not watching.last_checked(store):  # until the round at start has found the folder empty
            assert time.monotonic() < started + 10, "the watcher did not check at its start"
            time.sleep(0.05)
        dropped = time.monotonic()
        shutil.copy(GOOD, folder / "consent_may.csv")
        deadline = dropped + 1 + 10
        while not store.cursor().execute("SELECT count(*) FROM watched_files").fetchall()[0][0]:
            assert time.monotonic() < deadline, "the dropped file was not taken within its interval"
            time.sleep(0.1)
    finally:
        stopping = time.monotonic()
        watcher.stop()
        stopped_in = time.monotonic() - stopping
    assert stopped_in < 1
    assert uploads(store) == [(1, "consent_may.csv", GOOD_ROWS, 0, "watched folder ‘Nightly consent’")]


# --- The Data page -------------------------------------------------------------------------------------------

def test_the_data_page_lists_each_source_and_the_files_set_aside(app, app_store, tmp_path, monkeypatch):
    folder = tmp_path / "drop"
    folder.mkdir()
    settings_file(tmp_path, monkeypatch, one_source(folder) + """
[[watch]]
name = "Broken"
folder = 'nowhere'
kind = "requests"
""")
    shutil.copy(GOOD, folder / "consent_may.csv")
    shutil.copy(BAD, folder / "survey_answers.csv")
    connection = open_store(app_store)
    try:
        assert sorted(outcome.outcome for outcome in watching.Watcher(lambda: connection).check_now()) == [
            "loaded", "refused"]
    finally:
        connection.close()

    app.switch_page("views/data.py").run()
    assert not app.exception
    assert "Watched folders" in [header.value for header in app.subheader]
    assert any("Not watched:" in warning.value and "Broken" in warning.value for warning in app.warning)
    sources = next(table.value for table in app.dataframe if "pattern" in table.value.columns)
    assert sources.to_dict("records") == [{
        "name": "Nightly consent", "folder": str(folder), "pattern": "*.csv", "kind": "consent",
        "format": "As its header says", "checked": sources["checked"][0], "loaded": "1", "duplicate": "0",
        "refused": "1",
    }]
    assert sources["checked"][0] != "not yet"
    set_aside = next(table.value for table in app.dataframe if "moved_to" in table.value.columns)
    assert set_aside[["source", "file_name", "reason", "moved_to"]].to_dict("records") == [{
        "source": "Nightly consent", "file_name": "survey_answers.csv", "reason": BAD_REASON,
        "moved_to": str(folder / "not-loaded" / "survey_answers.csv"),
    }]


# --- A real server -------------------------------------------------------------------------------------------

def _uploads_from(base: str) -> list[dict]:
    with urllib.request.urlopen(f"{base}/api/v1/uploads", timeout=10) as answer:
        return json.load(answer)["uploads"]


@pytest.mark.slow
def test_a_running_server_loads_a_dropped_file_within_its_interval_and_sets_a_bad_one_aside(tmp_path,
                                                                                          sample_store_file):
    from tests.test_browser import start_streamlit

    interval, margin = 2, 20
    folder = tmp_path / "exports"
    folder.mkdir()
    settings_path = tmp_path / "settings.toml"
    settings_path.write_text(one_source(folder, interval=interval) + f"""
[[watch]]
name = "Broken"
folder = '{folder}'
kind = "cookies"
""", encoding="utf-8")
    log = tmp_path / "streamlit.log"
    process, base = start_streamlit(copy_store(sample_store_file, tmp_path), log,
                                    env={SETTINGS_ENV: str(settings_path)})
    try:
        # The bundled sample is all the store holds before the drop.
        assert {upload["loaded_by"] for upload in _uploads_from(base)} == {"sample data"}
        # Written elsewhere, then moved in at once, as a transfer that renames its finished file does.
        staged = tmp_path / "consent_may.csv"
        shutil.copy(GOOD, staged)
        dropped = time.monotonic()
        os.replace(staged, folder / "consent_may.csv")
        deadline = dropped + interval + margin
        while True:
            watched = [upload for upload in _uploads_from(base) if upload["loaded_by"] == "watched folder ‘Nightly "
                       "consent’"]
            if watched:
                break
            assert time.monotonic() < deadline, "the dropped file did not appear within the interval: " + \
                log.read_text()[-2000:]
            time.sleep(0.2)
        [upload] = watched
        assert (upload["file_name"], upload["kind"], upload["rows_loaded"]) == ("consent_may.csv", "consent", 4)
        # The first real file removed the sample: the history holds the dropped file only.
        assert len(_uploads_from(base)) == 1

        shutil.copy(BAD, staged.with_name("survey_answers.csv"))
        dropped = time.monotonic()
        os.replace(staged.with_name("survey_answers.csv"), folder / "survey_answers.csv")
        reason = folder / "not-loaded" / "survey_answers.csv.reason.txt"
        while not reason.exists():
            assert time.monotonic() < dropped + interval + margin, "the bad file was not set aside: " + \
                log.read_text()[-2000:]
            time.sleep(0.2)
        assert not (folder / "survey_answers.csv").exists()
        assert (folder / "not-loaded" / "survey_answers.csv").read_bytes() == BAD.read_bytes()
        assert reason.read_text(encoding="utf-8").startswith(BAD_REASON + "\n")
        assert len(_uploads_from(base)) == 1
    finally:
        process.terminate()
        process.wait(timeout=30)
    lines = log.read_text()
    # The unusable source is logged once, though many rounds ran; the load and the refusal are audit lines.
    assert lines.count("‘Broken’: kind must be one of consent, requests, policies, not 'cookies'") == 1
    watch_lines = [json.loads(line) for line in lines.splitlines() if line.startswith("{") and '"watch"' in line]
    assert [(line["source"], line["file"], line["outcome"]) for line in watch_lines] == [
        ("Nightly consent", "consent_may.csv", "loaded"), ("Nightly consent", "survey_answers.csv", "refused")]

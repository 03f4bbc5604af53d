"""The Data page: uploads change the figures, bad files say why, undo and sample removal ask first, tables read in words."""

import gzip
import json
import math
import re
import tomllib
from datetime import date
from pathlib import Path

import pytest

from dashboard.ingest import UnusableFile, ingest_file
from dashboard.store import open_store

UPLOADS = Path(__file__).parent / "data" / "upload"


def upload(name: str, *, gzipped: bool = False) -> tuple[str, bytes, str]:
    content = (UPLOADS / name).read_bytes()
    if gzipped:
        return name + ".gz", gzip.compress(content), "application/gzip"
    return name, content, "text/csv"


def store_counts() -> dict:
    """What the app's own store holds now (the test shares the app's process and cached connection)."""
    from dashboard import shell

    cursor = shell.connection().cursor()
    try:
        consent, uploads, samples = cursor.execute(
            "SELECT (SELECT count(*) FROM consent), (SELECT count(*) FROM uploads),"
            " (SELECT count(*) FROM uploads WHERE is_sample)"
        ).fetchone()
    finally:
        cursor.close()
    return {"consent": consent, "uploads": uploads, "samples": samples}


def figure(name: str, filters):
    from dashboard import metrics, shell

    return metrics.figure(shell.connection(), name, filters)


def shown(markdown_text: str) -> str:
    """What a reader sees of a Markdown message: bold markers and backslash escapes removed."""
    return re.sub(r"\\(.)", r"\1", re.sub(r"(?<!\\)\*\*", "", markdown_text))


def sample_notice(app) -> bool:
    return any("Sample data" in warning.value for warning in app.warning)


def history_table(app):
    """The upload history as the page shows it (the one table with file names)."""
    return next(table.value for table in app.dataframe if "file_name" in table.value.columns)


def headings(table) -> list[str]:
    """A table's column headings as the page labels them (st.column_config), in the table's order."""
    config = json.loads(table.proto.columns)
    return [config[column]["label"] for column in table.value.columns]


def load(app, *files) -> None:
    app.file_uploader[0].set_value(list(files))
    app.form_submit_button[0].click().run()
    assert not app.exception


def test_a_good_file_replaces_the_sample_and_its_counts_are_shown(data_page):
    app = data_page
    before = store_counts()
    assert before["samples"] == 3 and sample_notice(app)
    assert app.form_submit_button[0].label == "Load"

    load(app, upload("consent_april.csv"), upload("consent_may.csv", gzipped=True))

    # Only the two files' decisions remain: the sample went as the first real file landed.
    assert store_counts() == {"consent": 7, "uploads": 2, "samples": 0}
    assert not sample_notice(app)
    successes = [shown(success.value) for success in app.success]
    assert any("consent_april.csv" in text and "rows read 4, loaded 4, duplicate 0, rejected 0" in text
               for text in successes)
    assert any("consent_may.csv.gz" in text and "rows read 3, loaded 3, duplicate 0, rejected 0" in text
               for text in successes)
    assert any("the sample data was removed" in shown(markdown.value) for markdown in app.markdown)
    history = history_table(app)
    assert list(history["file_name"]) == ["consent_may.csv.gz", "consent_april.csv"]
    assert list(history["rows_loaded"]) == [3, 4]
    # The uploader is empty again: nothing loads twice by accident.
    assert not app.file_uploader[0].value

    # The figures (with the sidebar's range, now ending with the uploaded data) count those decisions only.
    filters = app.session_state["_filters"]
    assert filters.end == date(2024, 5, 4)
    marketing = figure("consent_by_purpose", filters).set_index("purpose").loc["marketing"]
    assert (marketing["opt_ins"], marketing["opt_outs"]) == (2, 2)


def test_an_unusable_file_shows_its_one_line_reason_and_changes_nothing(data_page, tmp_path):
    app = data_page
    before = store_counts()
    # A name full of Markdown is shown as written, not as bold text or a link.
    name = "**urgent** [consent](x)_no_purpose.csv"
    with pytest.raises(UnusableFile) as refused:
        scratch = open_store(tmp_path / "scratch.duckdb")
        try:
            ingest_file(scratch, "consent", UPLOADS / "consent_no_purpose.csv", display_name=name)
        finally:
            scratch.close()

    load(app, (name, (UPLOADS / "consent_no_purpose.csv").read_bytes(), "text/csv"))

    assert [shown(error.value) for error in app.error] == [str(refused.value)]
    # Plain text: the column is quoted, not Markdown code.
    assert str(refused.value).startswith(name + ": ") and "column ‘purpose’ is missing" in str(refused.value)
    assert "`" not in str(refused.value)
    assert app.error[0].value.startswith(r"\*\*urgent\*\* \[consent\]\(x\)\_no\_purpose\.csv\:")
    assert store_counts() == before
    assert sample_notice(app)


def test_rejected_rows_are_listed_with_their_reasons_and_downloadable(data_page):
    app = data_page
    load(app, upload("consent_some_bad.csv"))

    assert store_counts()["consent"] == 2
    assert any("rows read 4, loaded 2, duplicate 0, rejected 2" in shown(warning.value) for warning in app.warning)
    reasons = [shown(markdown.value) for markdown in app.markdown if "first on line" in markdown.value]
    assert reasons[0].splitlines() == [
        "- 1 row (first on line 3): occurred_at is not a date or time this dashboard reads",
        "- 1 row (first on line 4): decision is not opt_in, opt_out, acknowledge or shown, nor a synonym of one",
    ]
    rejected = app.dataframe[0]
    assert list(rejected.value.columns) == ["line", "column_name", "value", "reason"]
    assert headings(rejected) == ["Line", "Column", "Value", "Reason"]
    assert list(rejected.value["line"]) == [3, 4]
    assert list(rejected.value["value"]) == ["not a date", "=maybe"]
    assert "not a date or time" in rejected.value["reason"].iloc[0]
    assert "not opt_in, opt_out, acknowledge or shown" in rejected.value["reason"].iloc[1]
    labels = [button.label for button in app.get("download_button")]
    assert any("Rejected rows of upload" in label for label in labels)


def test_undo_asks_first_and_then_restores_the_figures(data_page):
    app = data_page
    load(app, upload("consent_april.csv"))
    assert store_counts()["consent"] == 4
    load(app, upload("consent_may.csv"))
    assert store_counts()["consent"] == 7
    newest = int(history_table(app)["upload_id"].iloc[0])

    app.selectbox(key="data_undo_choice").set_value(newest).run()
    app.button(key="data_remove_start").click().run()
    # The confirmation: the remove button stays disabled until the box is ticked.
    assert app.button(key="data_remove_confirm").disabled
    assert store_counts()["consent"] == 7
    app.checkbox(key="data_confirm_removal").check().run()
    app.button(key="data_remove_confirm").click().run()

    assert not app.exception
    assert store_counts() == {"consent": 4, "uploads": 2, "samples": 0}
    assert any(f"Removed upload #{newest} consent_may.csv: 3 stored consent rows" in shown(success.value)
               for success in app.success)
    # The undo is recorded in the history, with who did it and when; it is no longer offered for undo.
    history = history_table(app)
    assert list(history["file_name"]) == ["consent_may.csv", "consent_april.csv"]
    assert re.fullmatch(r"Removed \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d by .+ \(dashboard, sign-in off\)",
                        history["removed"].iloc[0])
    assert history["removed"].iloc[1] == "–"
    assert history["loaded_by"].iloc[0].endswith("(dashboard, sign-in off)")
    offered = app.selectbox(key="data_undo_choice").options
    assert len(offered) == 1 and "consent_april.csv" in offered[0]


def test_removing_the_sample_empties_the_store_and_the_pages_say_so(data_page):
    app = data_page
    app.button(key="data_sample_start").click().run()
    assert app.button(key="data_sample_confirm").disabled
    assert store_counts()["samples"] == 3

    app.checkbox(key="data_confirm_sample").check().run()
    app.button(key="data_sample_confirm").click().run()

    assert not app.exception
    assert store_counts() == {"consent": 0, "uploads": 0, "samples": 0}
    assert not sample_notice(app)
    assert any("Removed the sample data (3 uploads)" in success.value for success in app.success)
    assert any("No uploads yet" in info.value for info in app.info)
    app.switch_page("views/consent.py").run()
    assert not app.exception
    assert any("The store has no data yet" in info.value for info in app.info)


def test_the_chosen_kind_is_the_one_loaded(data_page, test_data):
    app = data_page
    app.segmented_control(key="data_kind").set_value("requests")
    app.radio(key="data_date_order").set_value("dmy")
    load(app, ("requests_messy.csv", (test_data / "ingest" / "requests_messy.csv").read_bytes(), "text/csv"))

    history = history_table(app)
    assert list(history[["file_name", "kind"]].itertuples(index=False, name=None)) == [
        ("requests_messy.csv", "requests")]
    assert any("requests_messy.csv" in shown(message.value) and "(requests, upload" in shown(message.value)
               for message in [*app.success, *app.warning])
    # The choices stay for the next file.
    assert app.segmented_control(key="data_kind").value == "requests"
    assert app.radio(key="data_date_order").value == "dmy"


def empty_cells(app) -> list:
    """Every cell of every table on the page that would read "None", "nan" or "NaT"."""
    return [value for table in app.dataframe for value in table.value.to_numpy().ravel()
            if value is None or (isinstance(value, float) and math.isnan(value))
            or str(value) in ("None", "nan", "NaN", "NaT", "<NA>")]


def test_every_table_reads_in_words_with_a_dash_for_no_value(data_page, test_data):
    app = data_page
    # Display names from the catalogue file itself, not from the code that reads it.
    with (Path(__file__).parent.parent / "data" / "labels.toml").open("rb") as file:
        catalogue = tomllib.load(file)
    law, kind, channel = catalogue["jurisdiction"], catalogue["request_type"], catalogue["channel"]
    app.segmented_control(key="data_kind").set_value("requests")
    app.checkbox(key="data_map_myself").check()
    load(app, ("requests_messy.csv", (test_data / "ingest" / "requests_messy.csv").read_bytes(), "text/csv"))

    # The preview, by hand from requests_messy.csv: r1 (access+erasure, two rows), r2, r3, r4 and r9 are kept;
    # r5 to r8 (lines 6 to 9) are rejected. r2 and r3 have no closed_at, r3, r4 and r9 no channel.
    preview = next(table for table in app.dataframe if "request_type" in table.value.columns)
    assert headings(preview) == ["Request", "Type", "Received (UTC)", "Status", "Closed (UTC)", "Jurisdiction",
                                 "Extended", "Channel", "Denial reason", "Person (pseudonym)"]
    rows = preview.value
    assert list(rows["request_id"]) == ["r1", "r1", "r2", "r3", "r4", "r9"]
    assert list(rows["request_type"]) == [kind["access"], kind["deletion"], kind["opt_out"], kind["access"],
                                          kind["other"], kind["correction"]]
    assert list(rows["status"]) == ["Completed", "Completed", "Open", "Completed", "Completed", "Withdrawn"]
    assert list(rows["closed_at"]) == ["20 Mar 2024 00:00", "20 Mar 2024 00:00", "–", "–", "18 Mar 2024 00:00",
                                       "22 Mar 2024 00:00"]
    # california and US-CA are the CCPA; DE and EL (Greece) the GDPR; Narnia is no law.
    assert list(rows["jurisdiction"]) == [law["CCPA"], law["CCPA"], law["CCPA"], law["GDPR"], law["unspecified"],
                                          law["GDPR"]]
    assert list(rows["channel"]) == [channel["web_form"], channel["web_form"], channel["email"], "–", "–", "–"]
    assert empty_cells(app) == []

    next(button for button in app.button if button.label == "Load with this mapping").click().run()
    assert not app.exception
    # Line 7 (r6) has an empty received_at: its value is "no value", not None.
    rejected = next(table.value for table in app.dataframe if "column_name" in table.value.columns)
    assert list(rejected["line"]) == [6, 7, 8, 9]
    assert list(rejected["value"]) == ["lost", "–", "3/40/2024", "maybe"]
    history = next(table for table in app.dataframe if "file_name" in table.value.columns)
    assert headings(history) == ["Upload", "File", "Undone (UTC)", "Kind", "Read as", "Rows read", "Loaded",
                                 "Duplicate", "Rejected", "Set aside", "Warnings", "Loaded at (UTC)", "Loaded by",
                                 "Sample data"]
    assert list(history.value[["removed", "format"]].itertuples(index=False, name=None)) == [
        ("–", "Columns mapped by hand")]
    assert empty_cells(app) == []

    # One of each: the warnings say "1 row", and name what the dashboard counts them as, in plain text.
    text = "\n".join(shown(markdown.value) for markdown in app.markdown)
    assert f"request types not recognised, counted as ‘{kind['other']}’: teleport (1 row)" in text
    assert f"jurisdictions not recognised, counted as ‘{law['unspecified']}’: Narnia (1 row)" in text
    assert "1 row has a closed status but no closed_at: kept, never overdue and not in the day figures (line 4)" in text
    assert "1 rows" not in text and "`" not in text


def test_the_undo_of_one_row_says_so_in_the_singular(data_page, tmp_path):
    app = data_page
    one = tmp_path / "one_decision.csv"
    # consent_april.csv's first decision alone.
    one.write_text("\n".join((UPLOADS / "consent_april.csv").read_text().splitlines()[:2]) + "\n")
    load(app, ("one_decision.csv", one.read_bytes(), "text/csv"))
    assert store_counts()["consent"] == 1
    upload_id = int(history_table(app)["upload_id"].iloc[0])

    app.button(key="data_remove_start").click().run()
    assert any(f"Remove upload #{upload_id} one_decision.csv? 1 stored consent row leaves the store and every "
               "figure; 0 stay, because another upload holds them too." in shown(warning.value)
               for warning in app.warning)
    app.checkbox(key="data_confirm_removal").check().run()
    app.button(key="data_remove_confirm").click().run()
    assert any(f"Removed upload #{upload_id} one_decision.csv: 1 stored consent row left the store and every "
               "figure; 0 stayed" in shown(success.value) for success in app.success)

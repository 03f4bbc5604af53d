"""The Data page's column mapping: an unrecognised export is mapped, previewed, loaded and its mapping reused."""

import re
from pathlib import Path

UPLOADS = Path(__file__).parent / "data" / "upload"
NOT_IN_FILE = "— not in this file —"
CONSENT_COLUMNS = ("event_id", "subject_id", "occurred_at", "purpose", "decision", "policy_version", "channel",
                   "region")


def upload(name: str, shown_as: str | None = None) -> tuple[str, bytes, str]:
    return shown_as or name, (UPLOADS / name).read_bytes(), "text/csv"


def shown(markdown_text: str) -> str:
    """What a reader sees of a Markdown message: bold markers and backslash escapes removed."""
    return re.sub(r"\\(.)", r"\1", re.sub(r"(?<!\\)\*\*", "", markdown_text))


def store_counts() -> dict:
    """What the app's own store holds now (the test shares the app's process and cached connection), and how
    many mappings are saved (profile files in the saved-profiles folder)."""
    from dashboard import shell
    from dashboard.profiles import saved_profiles_dir

    cursor = shell.connection().cursor()
    try:
        consent, uploads, samples = cursor.execute(
            "SELECT (SELECT count(*) FROM consent), (SELECT count(*) FROM uploads),"
            " (SELECT count(*) FROM uploads WHERE is_sample)"
        ).fetchone()
    finally:
        cursor.close()
    mappings = len(list(saved_profiles_dir().glob("*.toml")))
    return {"consent": consent, "uploads": uploads, "samples": samples, "mappings": mappings}


def stored_decisions() -> list[tuple]:
    """The stored decisions in time order (subjects are pseudonyms: `p_` and 32 hex digits)."""
    from dashboard import shell

    cursor = shell.connection().cursor()
    try:
        rows = cursor.execute(
            "SELECT subject_id, strftime(occurred_at, '%Y-%m-%d %H:%M'), purpose, decision FROM consent "
            "ORDER BY occurred_at"
        ).fetchall()
    finally:
        cursor.close()
    assert all(re.fullmatch(r"p_[0-9a-f]{32}", subject) for subject, *_ in rows)
    return [tuple(row[1:]) for row in rows]


def load(app, *files, map_myself: bool = False) -> None:
    app.file_uploader[0].set_value(list(files))
    if map_myself:
        app.checkbox(key="data_map_myself").check()
    app.form_submit_button[0].click().run()
    assert not app.exception


def mapping_heading(app) -> str | None:
    headings = [shown(heading.value) for heading in app.subheader if "Map the columns of" in heading.value]
    return headings[0] if headings else None


def choices(app) -> dict[str, str]:
    """The mapping's select boxes: label -> the file's column chosen."""
    return {box.label: box.value for box in app.selectbox
            if box.label.removesuffix(" (required)") in CONSENT_COLUMNS}


def choose(app, column: str, source: str) -> None:
    box = next(box for box in app.selectbox if box.label.removesuffix(" (required)") == column)
    box.set_value(source)


def button(app, label: str):
    return next(button for button in app.button if button.label == label)


def metric(app, label: str) -> str:
    return next(metric.value for metric in app.metric if metric.label == label)


def markdown_text(app) -> str:
    return "\n".join(shown(markdown.value) for markdown in app.markdown)


def table_with(app, column: str):
    return next(table.value for table in app.dataframe if column in table.value.columns)


def test_an_unrecognised_export_is_mapped_previewed_loaded_and_its_mapping_offered_again(data_page):
    app = data_page
    before = store_counts()
    # A file name (and so the heading) full of Markdown is shown as written.
    name = "shop *june* [export].csv"
    load(app, upload("shop_consent_june.csv", shown_as=name))

    assert mapping_heading(app) == f"Map the columns of {name}"
    assert any(r"shop \*june\* \[export\]" in heading.value for heading in app.subheader)
    assert any("is not a consent export the dashboard recognises" in shown(info.value) for info in app.info)
    # The likely columns are pre-selected by name; nobody's column is called like a subject id.
    assert choices(app) == {
        "event_id": NOT_IN_FILE, "subject_id (required)": NOT_IN_FILE, "occurred_at (required)": "Event Time",
        "purpose (required)": "Category", "decision (required)": "Choice", "policy_version": NOT_IN_FILE,
        "channel": NOT_IN_FILE, "region": NOT_IN_FILE,
    }
    # While a required column is unmapped, the preview says which one, in one line.
    assert [shown(error.value) for error in app.error] == [
        f"{name}: column ‘subject_id’ is missing for a consent export; found: Person, Event Time, Category, Choice"]
    assert button(app, "Load with this mapping").disabled

    choose(app, "subject_id", "Person")
    app.run()
    assert not app.exception and not app.error
    assert metric(app, "Rows read") == "4" and metric(app, "Would be rejected") == "2"
    assert "occurred_at: day-first (a first field over 12)" in markdown_text(app)
    rows = table_with(app, "decision")
    assert len(set(rows["subject_id"])) == 2 and all(re.fullmatch(r"p_[0-9a-f]{32}", subject)
                                                     for subject in rows["subject_id"])
    # Shown by their names (data/purposes.csv's label, data/labels.toml's decision words), not their keys.
    assert list(rows["purpose"]) == ["Marketing", "Research and development"]
    assert list(rows["decision"]) == ["Opt-in", "Opt-out"]
    assert str(rows["occurred_at"].iloc[0]) == "2024-06-13 09:00:00"
    rejects = table_with(app, "reason")
    assert list(rejects["line"]) == [4, 5]
    assert list(rejects["column_name"]) == ["decision", "occurred_at"]
    assert list(rejects["value"]) == ["maybe", "not a date"]
    assert "not opt_in, opt_out, acknowledge or shown" in rejects["reason"].iloc[0]
    # Nothing is stored before loading.
    assert store_counts() == before

    held = Path(app.session_state["data_mapping_queue"][0].path)
    next(box for box in app.text_input if box.label == "Save this mapping as").input("Shop consent")
    button(app, "Load with this mapping").click().run()

    assert not app.exception
    assert store_counts() == {"consent": 2, "uploads": 1, "samples": 0, "mappings": 1}
    assert stored_decisions() == [("2024-06-13 09:00", "marketing", "opt_in"),
                                  ("2024-06-14 10:00", "research_development", "opt_out")]
    assert any(f"{name} (consent, upload #" in shown(warning.value)
               and "): rows read 4, loaded 2, duplicate 0, rejected 2" in shown(warning.value)
               for warning in app.warning)
    assert any(shown(caption.value) == "Columns mapped by you." for caption in app.caption)
    assert any("The mapping was saved as ‘Shop consent’" in shown(caption.value) for caption in app.caption)
    assert mapping_heading(app) is None and not held.exists()

    # A later export with the same header (spelled in lower case) is read with the saved mapping; mapped on
    # purpose, it starts from it.
    load(app, upload("shop_consent_july.csv"), map_myself=True)
    assert mapping_heading(app) == "Map the columns of shop_consent_july.csv"
    assert any("This header matches the saved mapping ‘Shop consent’" in shown(info.value) for info in app.info)
    assert choices(app) == {
        "event_id": NOT_IN_FILE, "subject_id (required)": "person", "occurred_at (required)": "event time",
        "purpose (required)": "category", "decision (required)": "choice", "policy_version": NOT_IN_FILE,
        "channel": NOT_IN_FILE, "region": NOT_IN_FILE,
    }
    # Every slash date reads both ways: the chosen order decides, and the page says so.
    assert "occurred_at: month-first (as chosen: none of its dates tells the order)" in markdown_text(app)
    app.radio(key="data_map_2_date_order").set_value("dmy").run()
    assert "occurred_at: day-first (as chosen: none of its dates tells the order)" in markdown_text(app)
    assert store_counts()["consent"] == 2

    button(app, "Load with this mapping").click().run()
    assert not app.exception
    assert store_counts() == {"consent": 4, "uploads": 2, "samples": 0, "mappings": 1}
    assert stored_decisions()[:2] == [("2024-02-07 09:00", "marketing", "opt_in"),
                                      ("2024-03-07 10:00", "research_development", "opt_out")]
    assert any("shop_consent_july.csv (consent, upload #" in shown(success.value)
               and "rows read 2, loaded 2, duplicate 0, rejected 0" in shown(success.value)
               for success in app.success)


def test_a_vendor_export_loads_without_mapping_and_names_its_format(data_page):
    app = data_page
    load(app, upload("usercentrics_history.csv"))

    assert mapping_heading(app) is None
    assert store_counts() == {"consent": 3, "uploads": 1, "samples": 0, "mappings": 0}
    assert any("usercentrics_history.csv (consent, upload #" in shown(success.value)
               and "): rows read 3, loaded 3, duplicate 0, rejected 0" in shown(success.value)
               for success in app.success)
    assert any(shown(caption.value) == "Recognised as Usercentrics consent history (CSV)." for caption in app.caption)


def test_mapping_a_recognised_file_by_choice_previews_it_and_cancel_stores_nothing(data_page):
    app = data_page
    before = store_counts()
    load(app, upload("consent_april.csv"), map_myself=True)

    assert mapping_heading(app) == "Map the columns of consent_april.csv"
    assert any("waits for your column mapping below" in shown(info.value) for info in app.info)
    assert not any("saved mapping" in info.value for info in app.info)
    assert choices(app) == {label: label.removesuffix(" (required)") for label in choices(app)}
    assert metric(app, "Rows read") == "4" and metric(app, "Would be rejected") == "0"
    assert list(table_with(app, "decision")["decision"]) == ["Opt-in", "Opt-out", "Opt-in", "Acknowledged"]
    assert store_counts() == before

    held = Path(app.session_state["data_mapping_queue"][0].path)
    assert held.exists()
    button(app, "Cancel").click().run()

    assert not app.exception
    assert mapping_heading(app) is None and not held.exists()
    assert any("its column mapping was cancelled" in caption.value for caption in app.caption)
    assert store_counts() == before

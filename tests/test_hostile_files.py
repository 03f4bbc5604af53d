"""Files written to hurt: formula payloads, SQL-looking text, HTML and Markdown, huge fields and headers.
Each loads as plain text or is refused in one line; nothing runs, renders or floods the screen."""

import io
from datetime import date

import pandas as pd
import pytest

from dashboard.downloads import csv_bytes
from dashboard.ingest import UnusableFile, ingest_file
from dashboard.metrics import Filters, figure
from tests.test_data_page import load  # the Data page's loader (its fixture is in conftest.py)

HEADER = "event_id,subject_id,occurred_at,purpose,decision,policy_version,channel,region\n"
RANGE = Filters(start=date(2024, 1, 1), end=date(2024, 12, 31))


def export(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_formula_payloads_are_stored_literally_and_neutralised_in_downloads(store, tmp_path):
    rows = ('f1,"=HYPERLINK(""http://evil.example"",""x"")",2024-03-01,marketing,opt_in,v1,"=1+2",US-CA\n'
            "f2,+491701234,2024-03-01,marketing,opt_out,v1,@cmd,EU\n"
            "f3,-danger,2024-03-01,marketing,opt_in,v1,+sum(1),EU\n")
    report = ingest_file(store, "consent", export(tmp_path, "formulas.csv", HEADER + rows))
    assert report.rows_loaded == 3 and report.rows_rejected == 0
    # Subjects are pseudonyms whatever they hold; the channels are stored as written.
    subjects = {row[0] for row in store.execute("SELECT subject_id FROM consent").fetchall()}
    assert all(subject.startswith("p_") for subject in subjects) and len(subjects) == 3
    by_channel = figure(store, "consent_by_channel", RANGE)
    assert set(by_channel["channel"]) == {"=1+2", "@cmd", "+sum(1)"}
    downloaded = pd.read_csv(io.BytesIO(csv_bytes(by_channel)), encoding="utf-8-sig")
    assert set(downloaded["channel"]) == {"'=1+2", "'@cmd", "'+sum(1)"}


def test_sql_looking_values_and_headers_are_only_text(store, tmp_path):
    text = ('subject_id,occurred_at,purpose,decision,"x""); DROP TABLE consent; --"\n'
            "'); DROP TABLE consent; --,2024-03-01,marketing,opt_in,1\n"
            "u2,2024-03-01,\"marketing' OR '1'='1\",opt_in,1\n")
    report = ingest_file(store, "consent", export(tmp_path, "sql.csv", text))
    assert report.rows_loaded == 2
    assert store.execute("SELECT count(*) FROM consent").fetchone()[0] == 2  # the table is still there
    # The SQL-looking subject is only text: one pseudonym of two people.
    assert store.execute("SELECT count(DISTINCT subject_id) FROM consent").fetchall() == [(2,)]
    # A purpose is a key: folded to letters, digits and '_', never run.
    assert {row[0] for row in store.execute("SELECT purpose FROM consent").fetchall()} == {
        "marketing", "marketing_or_1_1"}


def test_a_100_kb_field_loads_and_a_rejected_one_is_shown_short(store, tmp_path):
    huge = "x" * 100_000
    text = HEADER + f"b1,u1,2024-03-01,marketing,opt_in,v1,{huge},EU\nb2,u2,2024-03-01,marketing,{huge},v1,web,EU\n"
    report = ingest_file(store, "consent", export(tmp_path, "big.csv", text))
    assert (report.rows_loaded, report.rows_rejected) == (1, 1)
    value, reason = store.execute("SELECT value, reason FROM rejected_rows").fetchone()
    assert len(value) == 201 and value.endswith("…")
    assert reason == "decision is not opt_in, opt_out, acknowledge or shown, nor a synonym of one"


def test_a_wide_header_without_the_needed_columns_is_refused_in_one_short_line(store, tmp_path):
    wide = ",".join(f"column{number}" for number in range(900)) + "\n" + ",".join("1" * 900) + "\n"
    with pytest.raises(UnusableFile) as refused:
        ingest_file(store, "consent", export(tmp_path, "wide.csv", wide))
    message = str(refused.value)
    assert "\n" not in message and len(message) < 500
    assert message.startswith("wide.csv: columns ‘subject_id’, ‘occurred_at’, ‘purpose’, ‘decision’ are missing")
    assert message.endswith("… (900 columns)")


def test_columns_are_bounded_even_beside_the_canonical_ones(store, tmp_path):
    def wide(columns: int) -> str:
        extra = ",".join(f"extra{number}" for number in range(columns))
        return HEADER.strip() + "," + extra + "\n" + "w1,u1,2024-03-01,marketing,opt_in,v1,web,EU," + ",".join(
            "1" * columns) + "\n"

    with pytest.raises(UnusableFile) as refused:
        ingest_file(store, "consent", export(tmp_path, "wide.csv", wide(5000)))
    assert str(refused.value) == ("wide.csv: has 5,008 columns; at most 1,000 are read (an export of consent, "
                                  "requests or policies has far fewer): is it the right file?")
    assert store.execute("SELECT count(*) FROM uploads").fetchone()[0] == 0
    report = ingest_file(store, "consent", export(tmp_path, "broad.csv", wide(900)))
    assert (report.rows_loaded, report.rows_rejected) == (1, 0)


def test_html_and_markdown_in_values_and_file_names_are_shown_as_text(data_page):
    app = data_page
    content = (HEADER + "h1,u1,2024-03-01,<img src=x onerror=alert(1)>,opt_in,v1,**bold** [link](http://e),EU\n")
    load(app, ("<b>report</b>_[x](http://e).csv", content.encode(), "text/csv"))
    assert not app.exception
    # Every message that names the file or a value escapes it: Markdown shows the characters themselves.
    messages = [element.value for element in (*app.success, *app.warning, *app.info, *app.markdown)]
    naming = [text for text in messages if "report" in text]
    assert naming, "the file name is shown"
    for text in naming:
        assert "<b>" not in text and "](http" not in text
        assert r"\<b\>report\<\/b\>" in text


def test_rows_are_bounded_with_the_reason(store, tmp_path, monkeypatch):
    from dashboard import ingest

    monkeypatch.setattr(ingest, "MAX_ROWS", 2)
    text = HEADER + "".join(f"r{number},u{number},2024-03-01,marketing,opt_in,v1,web,EU\n" for number in range(3))
    with pytest.raises(UnusableFile) as refused:
        ingest_file(store, "consent", export(tmp_path, "long.csv", text))
    assert str(refused.value) == "long.csv: has 3 rows; at most 2 are loaded from one file: split it and load the parts"
    assert store.execute("SELECT count(*) FROM consent").fetchone()[0] == 0


def test_the_upload_size_limit_is_set_on_purpose_and_shown(data_page):
    import streamlit as st

    assert st.get_option("server.maxUploadSize") == 200  # .streamlit/config.toml
    assert any("Each file may be up to 200 MB. Larger files go through the command line" in caption.value
               for caption in data_page.caption)


MARKUP_PAGES = ("views/overview.py", "views/consent.py", "views/requests.py", "views/policies.py", "views/ccpa.py",
                "views/data.py")


@pytest.mark.parametrize("page", MARKUP_PAGES)
def test_markup_in_channels_regions_and_versions_is_never_rendered(app, app_store, tmp_path, page):
    """Values from a file reach the pages only as text: no Markdown or HTML element carries them unescaped."""
    from dashboard.store import open_store

    store = open_store(app_store)
    ingest_file(store, "consent", export(tmp_path, "markup.csv", HEADER + (
        "m1,u1,2024-10-01T10:00:00Z,marketing,opt_in,<b>v9</b>,**loud** [x](http://e.example),<i>EU</i>\n")))
    store.close()
    app.switch_page(page).run()
    assert not app.exception
    rendered = [element.value for kind in ("markdown", "caption", "success", "warning", "info", "error")
                for element in getattr(app, kind)]
    rendered += [element.value for element in app.sidebar.caption]
    for text in rendered:
        assert "<b>" not in text and "<i>" not in text and "**loud**" not in text and "](http://e" not in text, text

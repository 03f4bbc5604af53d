"""Markers on the trend charts: policy versions taking effect and the team's events (events file, Data page).

tests/data/events/policies.csv holds three versions: 2023-06-01, 2024-03-15 and 2024-09-01.
tests/data/events/events.csv holds, by line (the header is line 1):

| line | date       | label                              | purpose   | channel | region | read as                   |
|------|------------|------------------------------------|-----------|---------|--------|---------------------------|
| 2    | 2024-04-02 | New cookie banner on the web       |           | web     |        | an event                  |
| 3    | 2024-05-06 | Spring newsletter campaign         | marketing |         |        | an event                  |
| 4    | 15/06/2024 | Date written day first             |           |         |        | left out: the date        |
| 5    | 2024-07-01 | (empty)                            |           |         |        | left out: no label        |
| 6    | 2024-07-15 | Brief from an example.com address  |           |         |        | left out: an identity     |
| 7    | 2024-08-01 | Call a 555 number for the brief    |           |         |        | left out: an identity     |
| 8    | 2024-09-09 | Horoscope campaign                 | astrology |         |        | left out: unknown purpose |
| 9    | 2024-10-01 | a label of 65 characters           |           |         |        | left out: too long        |
| 10   | 2024-11-20 | Black Friday banner                | marketing | web     | US-CA  | an event                  |

Over January to June 2024 with no filter, the markers are: Policy 2024-03-15 (15 Mar), the cookie banner (2 Apr)
and the newsletter (6 May); 2023-06-01 and 2024-09-01 fall outside, and so does Black Friday.
"""

import json
import logging
import struct
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

from dashboard import downloads, events, markers
from dashboard.charts import consent as consent_charts
from dashboard.charts import policy as policy_charts
from dashboard.charts import requests as request_charts
from dashboard.metrics import Filters
from dashboard.queries import run_query
from tests.conftest import open_copy, open_page_for_range, store_with

DATA = Path(__file__).parent / "data" / "events"
FIRST_HALF = (date(2024, 1, 1), date(2024, 6, 30))


@pytest.fixture(autouse=True)
def own_events_file(tmp_path, monkeypatch) -> Path:
    """Each test's events file is its own: the Data page writes there, never to data/events.csv."""
    path = tmp_path / "events.csv"
    monkeypatch.setenv(events.EVENTS_ENV, str(path))
    return path


@pytest.fixture(scope="module")
def policy_store_file(tmp_path_factory, empty_store_file):
    return store_with(tmp_path_factory, empty_store_file, ("policies", DATA / "policies.csv"))


def chart_markers(store_file, folder, start, end, area="consent", **selections) -> list[tuple[str, str, str]]:
    team = events.read(DATA / "events.csv").events
    with open_copy(store_file, folder) as connection:
        frame = run_query(connection, "chart_markers",
                          markers.parameters(team, Filters(start, end, **selections), area=area))
    return [(f"{row.day:%Y-%m-%d}", row.label, row.kind) for row in frame.itertuples(index=False)]


POLICY_MARCH = ("2024-03-15", "Policy 2024-03-15 in force", "policy")
BANNER = ("2024-04-02", "New cookie banner on the web", "team")
NEWSLETTER = ("2024-05-06", "Spring newsletter campaign", "team")


def test_the_markers_of_a_span_are_the_policies_and_events_in_it(policy_store_file, tmp_path):
    assert chart_markers(policy_store_file, tmp_path, *FIRST_HALF) == [POLICY_MARCH, BANNER, NEWSLETTER]
    # The whole of 2024: September's version and Black Friday too; June 2023's version still not.
    assert chart_markers(policy_store_file, tmp_path, date(2024, 1, 1), date(2024, 12, 31)) == [
        POLICY_MARCH, BANNER, NEWSLETTER, ("2024-09-01", "Policy 2024-09-01 in force", "policy"),
        ("2024-11-20", "Black Friday banner", "team")]
    # The span's ends count: a version taking effect on its last day is marked.
    assert chart_markers(policy_store_file, tmp_path, date(2024, 3, 1), date(2024, 3, 15)) == [POLICY_MARCH]


def test_an_event_for_a_purpose_follows_the_purpose_filter(policy_store_file, tmp_path):
    # The newsletter is for marketing: shown with marketing chosen, hidden with research alone.
    assert chart_markers(policy_store_file, tmp_path, *FIRST_HALF, purposes=("marketing",)) == [
        POLICY_MARCH, BANNER, NEWSLETTER]
    assert chart_markers(policy_store_file, tmp_path, *FIRST_HALF, purposes=("research_development",)) == [
        POLICY_MARCH, BANNER]
    # The banner is for the web channel: hidden while only the app is chosen; policies always stay.
    assert chart_markers(policy_store_file, tmp_path, *FIRST_HALF, channels=("app",)) == [POLICY_MARCH, NEWSLETTER]
    # A request chart: no purpose narrows it, and its channel filter is the request channels'.
    assert chart_markers(policy_store_file, tmp_path, *FIRST_HALF, area="requests", purposes=("research_development",),
                         request_channels=("email",)) == [POLICY_MARCH, NEWSLETTER]


def test_bad_rows_are_left_out_with_their_line_and_reason():
    reading = events.read(DATA / "events.csv")
    assert reading.problem is None
    assert [(event.date.isoformat(), event.label, event.purpose, event.channel, event.region)
            for event in reading.events] == [
        ("2024-04-02", "New cookie banner on the web", None, "web", None),
        ("2024-05-06", "Spring newsletter campaign", "marketing", None, None),
        ("2024-11-20", "Black Friday banner", "marketing", "web", "US-CA"),
    ]
    reasons = {bad.line: bad.reason for bad in reading.bad_rows}
    assert sorted(reasons) == [4, 5, 6, 7, 8, 9]
    assert reasons[4] == "the date `15/06/2024` is not written YYYY-MM-DD"
    assert reasons[5] == "the label is empty"
    assert reasons[6].startswith("the label holds an e-mail address or phone number")
    assert reasons[7].startswith("the label holds an e-mail address or phone number")
    assert reasons[8].startswith("the purpose `astrology` is not in the purpose catalogue")
    assert reasons[9] == "the label has 65 characters; at most 60 fit on a chart"
    # No reason repeats the identity it refused.
    assert not any("example.com" in reason or "555" in reason for reason in reasons.values())


def test_a_file_that_is_not_an_events_csv_is_refused_in_one_line(tmp_path):
    reading = events.read(DATA / "not-csv.csv")
    assert reading.events == [] and reading.bad_rows == []
    assert reading.problem.startswith("not-csv.csv: not an events CSV: its header must name the columns date, label")
    assert "\n" not in reading.problem

    binary = tmp_path / "events.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe")
    reading = events.read(binary)
    assert reading.problem == "events.csv: not a UTF-8 text file, so not an events CSV"
    # No file at all is no events, without a problem.
    assert events.read(tmp_path / "absent.csv").problem is None


def test_writing_replaces_the_whole_file_and_reads_back(own_events_file):
    written = [events.Event(date(2024, 5, 6), "Spring newsletter, second wave", "marketing"),
               events.Event(date(2024, 4, 2), "New cookie banner")]
    events.write(written)
    assert own_events_file.read_text(encoding="utf-8") == (
        "date,label,purpose,channel,region\n"
        "2024-04-02,New cookie banner,,,\n"
        '2024-05-06,"Spring newsletter, second wave",marketing,,\n')
    assert events.read().events == sorted(written, key=lambda event: event.date)
    assert [path.name for path in own_events_file.parent.iterdir()] == ["events.csv"]  # no temporary file left


def test_a_label_holding_an_email_address_is_refused():
    assert events.checked({"date": "2024-04-02", "label": "Ask jane.doe@example.com"}).startswith(
        "the label holds an e-mail address")
    assert events.checked({"date": "2024-04-02", "label": "Call +1 555 010 0123"}).startswith(
        "the label holds an e-mail address or phone number")
    # A date is not a phone number.
    assert events.checked({"date": "2024-04-02", "label": "Banner of 2024-03-15 back"}) == events.Event(
        date(2024, 4, 2), "Banner of 2024-03-15 back")


# --- The charts ---------------------------------------------------------------------------------------------

MARKERS = pd.DataFrame({
    "day": pd.to_datetime(["2024-03-15", "2024-03-20", "2025-02-01"]),
    "label": ["Policy 2024-03-15 in force", "New cookie banner", "Outside the months"],
    "kind": ["policy", "team", "team"],
})
MONTHS = [f"2024-{month:02d}" for month in range(1, 7)]


def marker_rows(spec: dict) -> list[dict]:
    """The rows of the spec's marker dataset (the one whose rows have a kind in words)."""
    found = [rows for rows in spec.get("datasets", {}).values() if rows and "kind_text" in rows[0]]
    assert len(found) == 1
    return found[0]


def marks(spec: dict) -> list[dict]:
    return [layer["mark"] for layer in spec["layer"]]


def test_the_trend_chart_marks_each_day_on_its_time_axis():
    trend = consent_charts.with_purpose_labels(pd.DataFrame({
        "month": pd.to_datetime([f"{month}-01" for month in MONTHS]), "purpose": "marketing",
        "standing_opt_in_rate": [0.5, 0.5, 0.4, 0.4, 0.4, 0.4], "standing_opt_ins": [50, 50, 40, 40, 40, 40],
        "standing_subjects": 100}))
    spec = consent_charts.monthly_trend_chart(trend, "standing", markers=MARKERS.iloc[:2]).to_dict()
    rows = marker_rows(spec)
    assert [(row["date"], row["label"], row["kind_text"]) for row in rows] == [
        ("2024-03-15", "Policy 2024-03-15 in force", "Policy version in force"),
        ("2024-03-20", "New cookie banner", "Team event")]
    # Five days apart on a six-month axis (about 20 px): the second label goes on the row below the first.
    assert [row["row"] for row in rows] == [0, 1]
    rule = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "rule")
    assert rule["encoding"]["x"] == {"field": "date", "type": "temporal", "timeUnit": "utcyearmonthdate",
                                     "title": None}
    assert rule["encoding"]["strokeDash"]["scale"]["range"] == [[5, 3], [1, 0]]
    assert [layer["encoding"]["text"]["field"] for layer in spec["layer"] if layer["mark"]["type"] == "text"] == [
        "label"] * 4
    assert spec["description"].endswith(
        "Marked: Policy 2024-03-15 in force (15 Mar 2024); New cookie banner (20 Mar 2024).")
    assert spec["title"]["subtitle"][-1] == ("Dashed grey lines: a policy version takes effect. Solid dark lines: the "
                                             "team's events.")
    # Without markers the chart is as it was: one line layer, no words about lines.
    assert consent_charts.monthly_trend_chart(trend, "standing").to_dict()["mark"]["type"] == "line"


def test_the_band_charts_mark_each_day_in_its_month():
    trailing = pd.DataFrame({"month": MONTHS, "request_type": "access", "received": [1, 2, 3, 4, 5, 6]})
    trailing["month_total"] = trailing["received"]
    volume = request_charts.with_month_labels(request_charts.with_type_labels(trailing))
    spec = request_charts.trailing_volume_chart(volume, "June 2024", markers=MARKERS).to_dict()
    rows = marker_rows(spec)
    # February 2025 is not one of the chart's months: left out, not given a band of its own.
    assert [(row["month_label"], row["label"]) for row in rows] == [
        ("Mar 2024", "Policy 2024-03-15 in force"), ("Mar 2024", "New cookie banner")]
    # Across March's band as far as the day is into the month: (15 - 0.5) / 31 and (20 - 0.5) / 31.
    assert [row["across"] for row in rows] == pytest.approx([14.5 / 31, 19.5 / 31])
    rule = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "rule")
    assert rule["encoding"]["x"]["field"] == "month_label" and rule["encoding"]["x"]["bandPosition"] == 0
    assert rule["encoding"]["x"]["sort"] == ["Jan 2024", "Feb 2024", "Mar 2024", "Apr 2024", "May 2024", "Jun 2024"]
    assert spec["resolve"]["scale"]["xOffset"] == "independent"
    assert "Marked: Policy 2024-03-15 in force (15 Mar 2024)" in spec["description"]

    mix = pd.DataFrame({"month": MONTHS, "policy_version": "2024-03-15", "subjects_current": 10,
                        "people_with_version": 10, "share_current": 1.0})
    versions = pd.DataFrame({"policy_version": ["2024-03-15"], "effective_date": pd.to_datetime(["2024-03-15"]),
                             "title": [None], "subjects_current": [10], "people_with_version": [10],
                             "share_current": [1.0], "is_latest": [True]})
    spec = policy_charts.version_mix_chart(mix, versions, markers=MARKERS.iloc[:1]).to_dict()
    assert [(row["month"], row["label"], row["kind"]) for row in marker_rows(spec)] == [
        ("2024-03", "Policy 2024-03-15 in force", "policy")]
    assert "Marked: Policy 2024-03-15 in force (15 Mar 2024)" in spec["description"]
    # The chart's own layers come first, unchanged: bars, then the totals above them.
    assert [mark["type"] if isinstance(mark, dict) else mark for mark in marks(spec)][:3] == ["bar", "text", "rule"]


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def test_the_png_carries_the_markers():
    trailing = pd.DataFrame({"month": MONTHS, "request_type": "access", "received": [1, 2, 3, 4, 5, 6]})
    trailing["month_total"] = trailing["received"]
    volume = request_charts.with_month_labels(request_charts.with_type_labels(trailing))
    plain = downloads.png_bytes(request_charts.trailing_volume_chart(volume, "June 2024"))
    marked = downloads.png_bytes(request_charts.trailing_volume_chart(volume, "June 2024", markers=MARKERS))
    (plain_width, plain_height), (width, height) = png_size(plain), png_size(marked)
    # Two device pixels per CSS pixel, the plot at the export width: the markers keep the width and add their
    # words above the plot and a subtitle line saying what the lines are.
    assert width == plain_width and width >= 2 * downloads.PLOT_WIDTH
    assert height > plain_height
    assert marked != plain


# --- The pages ----------------------------------------------------------------------------------------------

def page_charts(app) -> list[dict]:
    """Each chart's spec with its datasets back in it, as the browser receives them (Streamlit sends them apart)."""
    charts = []
    for chart in app.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        spec["datasets"] = {dataset.name: convert_arrow_bytes_to_pandas_df(dataset.data.data).to_dict("records")
                            for dataset in chart.proto.datasets}
        charts.append(spec)
    return charts


def trend_spec(app) -> dict:
    (spec,) = [spec for spec in page_charts(app) if "at each month's end, by purpose" in json.dumps(spec["title"])]
    return spec


def test_events_saved_on_the_data_page_are_marked_on_the_consent_trend(app, own_events_file, caplog):
    caplog.set_level(logging.INFO, logger="dashboard.audit")
    app.switch_page("views/data.py").run()
    assert not app.exception
    assert any(subheader.value == "Events on the charts" for subheader in app.subheader)
    # Two rows typed into the editor (AppTest seeds a keyed editor's edit state): one event, one bad row.
    editor = "data_events_editor_0"
    app.session_state[editor] = {"edited_rows": {}, "deleted_rows": [], "added_rows": [
        {"date": "2024-04-02", "label": "New cookie banner", "channel": "web"},
        {"date": "2024-05-06", "label": "Ask jane.doe@example.com"}]}
    app.button(key="data_events_save").click().run()
    errors = [error.value for error in app.error]
    assert any(text.startswith("Nothing was saved: 1 row cannot be an event.") and "row 2: the label holds" in text
               for text in errors)
    assert not any("jane.doe" in text for text in errors)
    assert not own_events_file.exists()

    # The bad row mended: both saved, and the file holds them.
    app.session_state[editor] = {"edited_rows": {}, "deleted_rows": [], "added_rows": [
        {"date": "2024-04-02", "label": "New cookie banner", "channel": "web"},
        {"date": "2024-05-06", "label": "Spring newsletter", "purpose": "marketing"}]}
    app.button(key="data_events_save").click().run()
    assert [success.value for success in app.success] == ["2 events saved to the events file."]
    assert own_events_file.read_text(encoding="utf-8") == (
        "date,label,purpose,channel,region\n2024-04-02,New cookie banner,,web,\n"
        "2024-05-06,Spring newsletter,marketing,,\n")
    # The operator's log has one line for the save: who, which file, how many events; no label.
    (line,) = [json.loads(record.getMessage()) for record in caplog.records if record.name == "dashboard.audit"]
    assert (line["event"], line["file"], line["events"]) == ("events saved", "events.csv", 2)
    assert "banner" not in json.dumps(line)
    # The editor starts again from the file: its two events, no edits left over.
    assert len(app.data_editor(key="data_events_editor_1").value) == 2

    open_page_for_range(app, "views/consent.py", date(2024, 1, 1), date(2024, 12, 31))
    spec = trend_spec(app)
    rows = [(row["date"], row["label"], row["kind"]) for row in marker_rows(spec)]
    # The sample's policies file has versions of 2024-03-15 and 2024-09-01.
    assert rows == [("2024-03-15", "Policy 2024-03-15 in force", "policy"),
                    ("2024-04-02", "New cookie banner", "team"),
                    ("2024-05-06", "Spring newsletter", "team"),
                    ("2024-09-01", "Policy 2024-09-01 in force", "policy")]
    assert "Marked: Policy 2024-03-15 in force (15 Mar 2024); New cookie banner (02 Apr 2024)" in spec["description"]


def test_an_unusable_events_file_is_said_once_and_policies_are_still_marked(app, own_events_file):
    own_events_file.write_text('{"events": []}\n', encoding="utf-8")
    open_page_for_range(app, "views/overview.py", date(2024, 1, 1), date(2024, 12, 31))
    # The caption's Markdown escapes the file's words (formatting.as_text): read without the backslashes.
    notes = [caption.value.replace("\\", "") for caption in app.caption if "Team events not shown" in caption.value]
    assert len(notes) == 1  # said once, though three charts asked for their markers
    assert notes[0].startswith(":material/warning: Team events not shown: events.csv: not an events CSV: its header "
                               "must name the columns date, label, purpose, channel, region")
    assert notes[0].endswith("The charts mark the policy versions only; mend the file or save the events again on "
                             "the Data page.")
    specs = page_charts(app)
    assert len(specs) == 3
    for spec in specs:
        assert {row["label"] for row in marker_rows(spec)} <= {"Policy 2024-03-15 in force",
                                                               "Policy 2024-09-01 in force"}

"""One place for what each figure and column is called and means: readable Data tabs, tooltips, the Definitions page."""

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from dashboard import definitions, metrics
from dashboard.charts import consent as consent_charts
from dashboard.charts import policy as policy_charts
from dashboard.charts import requests as request_charts
from dashboard.definitions import COLUMNS, column_kinds, help_text, readable
from dashboard.queries import run_query
from dashboard.store import open_store
from tests.conftest import app_test, copy_store

PAGE = Path(__file__).resolve().parent.parent / "dashboard" / "views" / "definitions.py"


def by_purpose_frame() -> pd.DataFrame:
    """consent_by_purpose as the Consent page labels it: keys, the chart helpers' label and order columns."""
    return pd.DataFrame({
        "purpose": ["marketing", "research_development"],
        "purpose_label": ["Marketing, targeted offers, newsletters", "Research and product development"],
        "opt_ins": [3, 1],
        "opt_outs": [1, 3],
        "choices": [4, 4],
        "decision_opt_in_rate": [0.75, 0.25],   # 3 / 4 and 1 / 4
        "standing_subjects": [2, 2],
        "standing_opt_ins": [1, 0],
        "standing_opt_in_rate": [0.5, 0.0],     # 1 / 2 and 0 / 2
        "_order": [4, 5],
    })


def test_keys_become_their_names_and_columns_their_headings_in_the_query_order():
    table = readable(by_purpose_frame())
    assert list(table.columns) == ["Purpose", "Opt-ins", "Opt-outs", "Choices", "Opt-in rate of choices",
                                   "People with a choice", "Opted in at end", "Standing opt-in rate"]
    # The catalogue's one name of each purpose (data/purposes.csv), not the chart's sentence nor the key.
    assert table["Purpose"].tolist() == ["Marketing", "Research and development"]
    # Numbers stay numbers, so the table sorts; the page formats them by kind.
    assert table["Opt-in rate of choices"].tolist() == [0.75, 0.25]
    assert table["Opt-ins"].tolist() == [3, 1]
    assert column_kinds(table) == {
        "Purpose": "key", "Opt-ins": "count", "Opt-outs": "count", "Choices": "count",
        "Opt-in rate of choices": "percent", "People with a choice": "count", "Opted in at end": "count",
        "Standing opt-in rate": "percent",
    }


def test_keys_may_be_kept_beside_their_names():
    table = readable(by_purpose_frame(), keep_keys=True)
    assert list(table.columns[:2]) == ["Purpose", "Purpose key"]
    assert table["Purpose key"].tolist() == ["marketing", "research_development"]


def test_a_hidden_count_reads_below_min_cell_and_the_others_stay_numbers():
    frame = by_purpose_frame()
    frame["opt_ins"] = pd.array([pd.NA, 12], dtype="Int64")   # 3 hidden under min_cell 10
    frame["decision_opt_in_rate"] = [float("nan"), 0.8]
    table = readable(frame, min_cell=10)
    assert table["Opt-ins"].tolist() == ["<10", 12]
    assert pd.isna(table["Opt-in rate of choices"].iloc[0])
    # Without the setting a missing count stays missing (the page shows "–").
    assert pd.isna(readable(frame)["Opt-ins"].iloc[0])


def test_long_frames_of_the_chart_helpers_read_as_names_without_their_helper_columns():
    labelled = consent_charts.with_purpose_labels(by_purpose_frame().drop(columns=["purpose_label", "_order"]), {})
    rates = readable(consent_charts.rates_side_by_side(labelled))
    assert list(rates.columns) == ["Purpose", "Measure", "Opt-in rate", "Opted in", "Out of", "Counted in"]
    assert rates["Purpose"].tolist() == ["Marketing", "Marketing", "Research and development",
                                         "Research and development"]
    assert rates["Out of"].tolist() == [4, 2, 4, 2]

    by_type = pd.DataFrame({"request_type": ["opt_out"], "received": [5], "completed": [3], "denied": [1],
                            "withdrawn": [0], "open": [1]})
    outcomes = readable(request_charts.outcomes_by_status(request_charts.with_type_labels(by_type)))
    assert list(outcomes.columns) == ["Request type", "Status", "Requests", "Received"]
    assert outcomes["Request type"].unique().tolist() == ["Opt-out of sale/sharing"]
    assert outcomes["Status"].tolist() == ["Completed", "Denied", "Withdrawn", "Open"]
    assert outcomes["Requests"].tolist() == [3, 1, 0, 1]


def test_the_ccpa_report_keeps_the_regulations_words_and_the_overdue_list_its_dates():
    report = pd.DataFrame({"request_type": ["deletion"], "label": ["Requests to delete"], "received": [4],
                           "complied": [3], "denied": [1], "median_days": [19.0], "mean_days": [20.5],
                           "responded": [4]})
    table = readable(report, figure="ccpa_report")
    assert list(table.columns) == ["Request type", "Requests received", "Complied with in whole or in part", "Denied",
                                   "Median days to respond", "Mean days to respond", "Responded with a date"]
    assert table["Request type"].tolist() == ["Requests to delete"]
    assert column_kinds(table)["Median days to respond"] == "days"

    overdue = pd.DataFrame({"request_id": ["DSR-1"], "request_type": ["access"], "jurisdiction": ["GDPR"],
                            "received": pd.to_datetime(["2024-01-02"]), "due_date": pd.to_datetime(["2024-02-02"]),
                            "days_overdue": [272], "channel": ["web_form"], "overdue_total": [1]})
    listed = readable(overdue)
    assert listed.iloc[0].tolist()[1:3] == ["Access", "GDPR (EU/EEA)"]
    assert listed["Channel"].tolist() == ["Web form"]
    kinds = column_kinds(listed)
    assert (kinds["Received"], kinds["Due"], kinds["Days overdue"]) == ("date", "date", "count")


def test_a_tooltip_names_the_date_it_is_taken_at_and_the_small_count_rule_in_force():
    text = help_text("consent-standing", end=date(2023, 12, 31), min_cell=10)
    assert "on record at the end of 31 Dec 2023 whose latest choice is an opt-in" in text
    assert "Denominator: People with an opt-in or opt-out for the purpose on record at the end of 31 Dec 2023." in text
    assert "fewer than 10 people" in text
    # Without the values it reads in general words; with min_cell off it says nothing of small counts.
    assert "at the end of the range" in help_text("consent-standing", min_cell=0)
    assert "fewer than" not in help_text("consent-standing", min_cell=0)
    assert help_text("decision_opt_in_rate", start=date(2023, 1, 1), end=date(2023, 12, 31)) == (
        "The share of the choices made from 01 Jan 2023 to 31 Dec 2023 that were opt-ins: opt-ins ÷ choices. "
        "Empty when no choice was made.")
    with pytest.raises(KeyError):
        help_text("no_such_figure")


def test_every_text_fills_and_every_figure_is_made_of_known_columns():
    for figure in definitions.FIGURES:
        assert figure.page in definitions.PAGES
        assert set(figure.counts) <= set(COLUMNS), figure.key
        for values in ({}, {"start": date(2024, 1, 1), "end": date(2024, 3, 31), "min_cell": 5, "year": 2023}):
            assert "{" not in help_text(figure.key, **values)
    for name, column in COLUMNS.items():
        assert column.kind in definitions.KINDS, name
        assert "{" not in help_text(name)
    assert len({figure.key for figure in definitions.FIGURES}) == len(definitions.FIGURES)


@pytest.fixture
def sample(tmp_path, sample_store_file):
    """A copy of the sample store in a folder of its own (the `store` fixture's copy takes tmp_path's name)."""
    folder = tmp_path / "sample"
    folder.mkdir()
    connection = open_store(copy_store(sample_store_file, folder))
    yield connection
    connection.close()


@pytest.mark.parametrize("min_cell", [0, 10])
def test_every_column_the_metric_queries_return_has_a_column(sample, store, min_cell):
    for connection in (sample, store):
        filters = metrics.Filters.for_range(connection)
        for name in sorted(metrics.FIGURES):
            frame = metrics.figure(connection, name, filters, min_cell=min_cell)
            assert set(frame.columns) <= set(COLUMNS), name
            table = readable(frame, figure=name, min_cell=min_cell)
            # Every heading is a known one (none made up from a column's name) and appears once.
            known = {column.heading for column in COLUMNS.values()} | {f"{column.heading} key"
                                                                      for column in COLUMNS.values()}
            assert set(table.columns) <= known | {"Requests received"}, name
            assert len(set(table.columns)) == len(table.columns), name
        for name, parameters in (("ccpa_report", metrics.ccpa_parameters(2023, "ccpa")), ("policy_links", {})):
            assert set(run_query(connection, name, parameters).columns) <= set(COLUMNS), name


def test_the_frames_the_chart_helpers_make_have_columns_too(sample):
    filters = metrics.Filters.for_range(sample)

    def figure(name):
        return metrics.figure(sample, name, filters)

    labels = {}  # purposes named by the catalogue through with_purpose_labels' fallback
    frames = {
        "rates_side_by_side": consent_charts.rates_side_by_side(
            consent_charts.with_purpose_labels(figure("consent_by_purpose"), labels)),
        "monthly_trend": consent_charts.with_purpose_labels(figure("consent_monthly_trend"), labels),
        "volume": request_charts.with_month_labels(request_charts.with_type_labels(
            figure("requests_trailing_12_months"))),
        "outcomes_by_status": request_charts.outcomes_by_status(request_charts.with_type_labels(
            figure("requests_by_type"))),
        "days_to_close": request_charts.with_type_labels(figure("requests_days_to_close")),
        "adoption_checkpoints": policy_charts.adoption_checkpoints(figure("policy_adoption"), days=(30, 60, 90)),
    }
    for name, frame in frames.items():
        assert set(frame.columns) <= set(COLUMNS), name
    volume = readable(frames["volume"])
    assert list(volume.columns) == ["Month", "Request type", "Received", "All types that month"]
    assert volume["Month"].iloc[0] == "2023-11"   # the sample's default range starts on 1 Nov 2023


def definitions_page(monkeypatch, min_cell: str = "0"):
    monkeypatch.setenv("PRIVACY_DASHBOARD_MIN_CELL", min_cell)
    return app_test(PAGE, timeout=30)


def page_text(page) -> str:
    return "\n".join(element.value for element in page.markdown)


def test_the_definitions_page_needs_no_filters_and_gives_each_denominator(monkeypatch):
    page = definitions_page(monkeypatch).run()
    assert not page.exception
    assert page.title[0].value == "Definitions"
    assert [header.value for header in page.header] == ["Overview", "Consent", "Requests", "Policy versions",
                                                        "CCPA report", "Deadlines", "Markers on the charts",
                                                        "Columns of the Data tabs and downloads"]
    (rules,) = [frame.value for frame in page.dataframe if "Source" in frame.value.columns]
    assert rules.iloc[0].tolist()[:4] == ["CCPA (California)", "Opt-out of sale/sharing, Limit use of sensitive data",
                                          "15 business days", "None"]
    text = page_text(page)
    # The standing opt-in rate's denominator, as a user looks it up.
    assert "*Denominator*: People with an opt-in or opt-out for the purpose on record at the end of the range." in text
    assert "*Denominator*: Completed and denied requests received in the range that have a closing date." in text
    assert "Small counts are not hidden now (min_cell is 0)." in text
    assert "A dashed grey line is a policy version taking effect" in text  # the markers on the trend charts
    (table,) = page.table
    meanings = table.value
    assert meanings.loc["Opt-in rate of choices", "Values"] == "Percentage"
    assert meanings.loc["Standing opt-in rate", "Meaning"].startswith("Opted in at end ÷ people with a choice")


def test_the_definitions_page_names_the_sidebars_dates_and_the_current_min_cell(monkeypatch):
    page = definitions_page(monkeypatch, min_cell="10")
    page.session_state["_filters"] = metrics.Filters(start=date(2023, 11, 1), end=date(2024, 10, 31))
    page.run()
    assert not page.exception
    text = page_text(page)
    assert "on record at the end of 31 Oct 2024 whose latest choice is an opt-in" in text
    assert "Small counts are hidden now (min_cell is 10)." in text
    assert "*Small counts*: The rate is left out when fewer than 10 people have a choice on record." in text
    assert any("from 01 Nov 2023 to 31 Oct 2024" in caption.value for caption in page.caption)


def test_the_definitions_page_in_the_dashboard_reads_the_sidebars_range(app):
    app.run()
    app.switch_page("views/definitions.py").run()
    assert not app.exception
    assert app.title[0].value == "Definitions"
    # The sample's default range: the twelve months to its newest data, 31 Oct 2024.
    assert "Denominator*: People with an opt-in or opt-out for the purpose on record at the end of 31 Oct 2024." in (
        page_text(app))

"""Small counts (metrics.md): with min_cell set, a count from 1 to min_cell - 1 reads "<min_cell" in every
tile, table, chart and download and in the command line, and a rate or average over fewer is left out."""

import io
import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import expect
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

from dashboard import small_counts
from dashboard.downloads import csv_bytes
from dashboard.metrics import Filters, figure
from dashboard.report_tables import markdown_table
from dashboard.small_counts import SettingError, configured_min_cell, hide, shown
from dashboard.store import open_store
from tests.conftest import copy_store, dashboard
from tests.test_browser import screenshot, start_streamlit, wait_for_app


@pytest.fixture(autouse=True)
def no_setting_from_outside(monkeypatch):
    monkeypatch.delenv(small_counts.MIN_CELL_ENV, raising=False)


# --- The setting ----------------------------------------------------------------------------------------

def test_the_setting_comes_from_the_settings_file_and_the_environment_overrides_it(tmp_path, monkeypatch):
    settings = tmp_path / "settings.toml"
    assert configured_min_cell(settings) == 0  # no file: off
    settings.write_text("min_cell = 10\n")
    assert configured_min_cell(settings) == 10
    monkeypatch.setenv(small_counts.MIN_CELL_ENV, "5")
    assert configured_min_cell(settings) == 5


def test_the_shipped_settings_file_turns_the_rule_off():
    assert configured_min_cell() == 0


@pytest.mark.parametrize("text, message", [
    ("min_cell = -3\n", "min_cell must be a whole number, 0 (off) or more, not -3"),
    ("min_cell = 'five'\n", "min_cell must be a whole number, 0 (off) or more, not 'five'"),
    ("min_cell = true\n", "min_cell must be a whole number, 0 (off) or more, not True"),
    ("min_cell = \n", "not a readable TOML file"),
])
def test_an_unusable_setting_is_refused_in_one_line(tmp_path, text, message):
    settings = tmp_path / "settings.toml"
    settings.write_text(text)
    with pytest.raises(SettingError) as refused:
        configured_min_cell(settings)
    assert message in str(refused.value) and "\n" not in str(refused.value)


# --- The rule, by hand --------------------------------------------------------------------------------

def test_counts_under_min_cell_are_hidden_and_rates_over_fewer_than_min_cell_too():
    by_purpose = pd.DataFrame({
        "purpose": ["marketing", "research_development"],
        "opt_ins": [3, 20], "opt_outs": [9, 0], "decision_opt_in_rate": [0.25, 1.0],
        "choices": [12, 20],  # opt-ins + opt-outs, as the query gives them
        "standing_subjects": [4, 20], "standing_opt_ins": [0, 20], "standing_opt_in_rate": [0.0, 1.0],
    })
    hidden = hide(by_purpose, 5)
    marketing, research = hidden.to_dict("records")
    # 3 opt-ins is under 5: hidden; 9 opt-outs and 12 choices are not, so the rate of 12 choices stays.
    assert pd.isna(marketing["opt_ins"]) and (marketing["opt_outs"], marketing["choices"]) == (9, 12)
    assert marketing["decision_opt_in_rate"] == 0.25
    # 4 people with a standing choice: the count and the rate over them are hidden; a zero is not hidden.
    assert pd.isna(marketing["standing_subjects"]) and pd.isna(marketing["standing_opt_in_rate"])
    assert marketing["standing_opt_ins"] == 0
    assert (research["opt_ins"], research["choices"], research["standing_opt_in_rate"]) == (20, 20, 1.0)
    # Off: nothing hidden.
    assert hide(by_purpose, 0)["opt_ins"].tolist() == [3, 20]


def test_a_share_is_hidden_when_its_month_has_fewer_people_than_min_cell():
    mix = pd.DataFrame({
        "month": ["2024-04", "2024-04", "2024-05", "2024-05"],
        "policy_version": ["v1", "v2", "v1", "v2"],
        "subjects_current": [3, 2, 2, 1],
        "people_with_version": [5, 5, 3, 3],  # each month's sum, as the query gives it
        "share_current": [0.6, 0.4, 0.6667, 0.3333],
    })
    hidden = hide(mix, 5)
    # April: 5 people, so its shares stand though each count is hidden; May: 3 people, everything hidden.
    assert hidden["people_with_version"].tolist() == [5, 5, pd.NA, pd.NA]
    assert hidden["share_current"].tolist()[:2] == [0.6, 0.4] and hidden["share_current"].iloc[2:].isna().all()
    assert hidden["subjects_current"].isna().all()


def test_downloads_and_published_tables_read_less_than_min_cell():
    frame = hide(pd.DataFrame({"month": ["2024-01", "2024-01"], "request_type": ["access", "limit"],
                               "received": [40, 2], "month_total": [42, 42]}), 5)
    downloaded = pd.read_csv(io.BytesIO(csv_bytes(shown(frame, 5))), encoding="utf-8-sig", dtype=str)
    assert downloaded.to_dict("records") == [
        {"month": "2024-01", "request_type": "access", "received": "40", "month_total": "42"},
        {"month": "2024-01", "request_type": "limit", "received": "<5", "month_total": "42"},
    ]
    assert "| 2024-01 | limit | &lt;5 | 42 |" in markdown_table(shown(frame, 5))


# --- The command line ------------------------------------------------------------------------------------

def test_the_command_line_hides_by_the_setting_unless_told_otherwise(sample_store_file):
    db = str(sample_store_file)
    document = json.loads(dashboard("metrics", "--db", db, env={"PRIVACY_DASHBOARD_MIN_CELL": "20"}).stdout)
    assert document["requests"]["overdue"] == "<20"  # 13 overdue in the sample
    correction = next(row for row in document["requests"]["by_type"] if row["request_type"] == "correction")
    # 74 received, 66 completed, 3 denied, 1 withdrawn, 4 open; the day figures are over 69 closed.
    assert [correction[key] for key in ("received", "completed", "denied", "withdrawn", "open")] == [
        74, 66, "<20", "<20", "<20"]
    assert correction["median_days_to_close"] == 19.0
    versions = {row["policy_version"]: row for row in document["policy"]["versions"]}
    assert versions["2022-11-01"]["subjects_current"] == "<20"  # 13 people, of 3,000: the share stays
    assert versions["2022-11-01"]["share_current"] == 0.0043

    exact = json.loads(dashboard("metrics", "--db", db, "--min-cell", "0",
                                 env={"PRIVACY_DASHBOARD_MIN_CELL": "20"}).stdout)
    assert exact["requests"]["overdue"] == 13

    report = json.loads(dashboard("report", "ccpa", "--year", "2023", "--db", db,
                                  env={"PRIVACY_DASHBOARD_MIN_CELL": "20"}).stdout)
    correct = report["rows"][1]
    # 19 received, 18 complied, 0 denied: the days over 18 responses are left out.
    assert [correct[key] for key in ("received", "complied", "denied", "median_days", "mean_days")] == [
        "<20", "<20", 0, None, None]


def test_an_unusable_setting_stops_the_command_line_in_one_line(sample_store_file):
    result = dashboard("metrics", "--db", str(sample_store_file), env={"PRIVACY_DASHBOARD_MIN_CELL": "few"})
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip() == "PRIVACY_DASHBOARD_MIN_CELL: min_cell must be a whole number, 0 (off) or more, not 'few'"


# --- The pages ------------------------------------------------------------------------------------------

def run_page(app, monkeypatch, page: str, min_cell: str):
    monkeypatch.setenv(small_counts.MIN_CELL_ENV, min_cell)
    app.switch_page(page).run()
    assert not app.exception
    return app


def tiles(app) -> dict:
    return {tile.label: (tile.value, tile.delta) for tile in app.metric}


def frame_with(app, *columns: str) -> pd.DataFrame:
    """The one table on the page that has these columns."""
    (frame,) = [element.value for element in app.dataframe if set(columns) <= set(element.value.columns)]
    return frame


def chart_data(app, column: str) -> pd.DataFrame:
    """The data of the page's one chart that draws this column, as the browser receives it."""
    (frame,) = [data for data in (convert_arrow_bytes_to_pandas_df(dataset.data.data)
                                  for chart in app.get("vega_lite_chart") for dataset in chart.proto.datasets)
                if column in data.columns]
    return frame


def test_every_page_says_that_small_counts_are_hidden(app, monkeypatch):
    run_page(app, monkeypatch, "views/overview.py", "20")
    assert any("Small counts are hidden: a count under 20 reads <20" in caption.value for caption in app.caption)
    monkeypatch.setenv(small_counts.MIN_CELL_ENV, "0")
    app.run()
    assert not any("Small counts are hidden" in caption.value for caption in app.caption)


def test_overview_and_requests_hide_small_counts_in_tiles_tables_and_charts(app, monkeypatch):
    run_page(app, monkeypatch, "views/overview.py", "20")
    assert tiles(app)["Overdue at 31 Oct 2024"][0] == "<20"  # 13
    assert tiles(app)["Requests, 12 months to Oct 2024"][0] == "1,143"

    run_page(app, monkeypatch, "views/requests.py", "20")
    assert tiles(app)["Overdue at 31 Oct 2024"][0] == "<20"
    by_type = frame_with(app, "Request type", "Closed on time").set_index("Request type")
    assert by_type.loc["Correction", ["Received", "Completed", "Denied", "Withdrawn", "Open"]].tolist() == [
        "74", "66", "<20", "<20", "<20"]
    assert by_type.loc["Correction", "Median days to close"] == 19.0  # over 69 closed: shown
    # The volume chart draws nothing for a month's type under 20, and its tooltip reads <20.
    volume = chart_data(app, "month_total")
    small = volume[volume["received_label"] == "<20"]
    assert len(small) > 0 and small["received"].isna().all()
    assert volume.loc[volume["received"] >= 20, "received_label"].str.match(r"^\d[\d,]*$").all()
    assert frame_with(app, "All types that month").set_index(["Month", "Request type"]).loc[
        ("2023-11", "Correction"), "Received"] == "<20"  # 6 in the sample
    # Signed-out use is an analyst's: the overdue list stays, to act on.
    assert len(frame_with(app, "Days overdue")) == 13


def test_days_to_close_are_grouped_by_week_while_small_counts_are_hidden(app, monkeypatch, sample_store_file):
    connection = open_store(sample_store_file)
    exact = figure(connection, "requests_days_to_close", Filters(date(2023, 11, 1), date(2024, 10, 31)))
    connection.close()
    access = exact[exact["request_type"] == "access"].set_index("days_to_close")["requests"]
    run_page(app, monkeypatch, "views/requests.py", "20")
    assert any("The days are grouped by week, as small counts are hidden." in caption.value for caption in app.caption)
    weekly = chart_data(app, "days_text")
    second_week = weekly[(weekly["request_type"] == "access") & (weekly["days_to_close"] == 7)].iloc[0]
    assert second_week["days_to"] == 13 and second_week["days_text"] == "7–13"
    assert second_week["requests"] == access.loc[7:13].sum() > 20  # days 7 to 13 together
    # A day on its own would mostly be hidden: the weeks keep the chart readable.
    assert (access < 20).sum() > weekly[weekly["request_type"] == "access"]["requests"].isna().sum()


def test_policy_and_consent_pages_hide_small_counts_and_the_rates_over_them(app, monkeypatch):
    run_page(app, monkeypatch, "views/policies.py", "20")
    catalogue = frame_with(app, "url").set_index("policy_version")
    assert catalogue.loc["2022-11-01", "subjects_current"] == "<20"  # 13 people
    assert round(catalogue.loc["2022-11-01", "share_current"], 2) == 0.43  # % of 3,000
    assert tiles(app)["People with a current version"][0] == "3,000"

    # 3,000 people have a standing choice for each purpose: every standing rate is over fewer than 3,001.
    run_page(app, monkeypatch, "views/consent.py", "3001")
    assert tiles(app)["Marketing"] == ("–", "of <3001 people")
    (figures,) = [element.value for element in app.dataframe
                  if "Standing opt-in rate" in element.value.columns and "Month" not in element.value.columns]
    assert figures["Standing opt-in rate"].isna().all() and set(figures["People with a choice"]) == {"<3001"}


def test_the_ccpa_report_hides_small_counts_in_its_table_and_its_copy(app, monkeypatch):
    run_page(app, monkeypatch, "views/ccpa.py", "20")
    table = frame_with(app, "Requests received").set_index("Request type")
    # 2023, CCPA only: 19 requests to correct, 18 complied with, none denied; days over 18 left out.
    assert table.loc["Requests to correct", ["Requests received", "Complied with in whole or in part",
                                             "Denied"]].tolist() == ["<20", "<20", "0"]
    assert pd.isna(table.loc["Requests to correct", "Median days to respond"])
    assert table.loc["Requests to delete", "Requests received"] == "130"
    markdown = next(block.value for block in app.code if block.language == "markdown")
    # Received, complied, denied, withdrawn, still open, median and mean days (then the denials by reason).
    assert any(line.startswith("| Requests to correct | &lt;20 | &lt;20 | 0 | &lt;20 | 0 | – | – |")
               for line in markdown.splitlines())


def test_a_viewer_does_not_see_an_overdue_list_shorter_than_min_cell(app, monkeypatch, tmp_path):
    roles = tmp_path / "roles.toml"
    roles.write_text('[analysts]\nemails = ["ana@retail.example"]\n[viewers]\ndomains = ["retail.example"]\n')
    monkeypatch.setenv("PRIVACY_DASHBOARD_ROLES", str(roles))
    app.secrets["auth"] = {"redirect_uri": "http://localhost/oauth2callback", "cookie_secret": "x" * 32,
                           "client_id": "c", "client_secret": "s",
                           "server_metadata_url": "http://localhost/.well-known/openid-configuration"}
    app.user = {"is_logged_in": True, "email": "manager@retail.example"}
    run_page(app, monkeypatch, "views/requests.py", "20")
    assert not [frame for frame in app.dataframe if "Days overdue" in frame.value.columns]
    assert any("Fewer than 20 requests are overdue" in info.value for info in app.info)

    app.user = {"is_logged_in": True, "email": "ana@retail.example"}
    app.run()
    assert len(frame_with(app, "Days overdue")) == 13


def test_an_unusable_setting_shows_no_figure(app, monkeypatch):
    monkeypatch.setenv(small_counts.MIN_CELL_ENV, "-1")
    app.run()
    assert [error.value for error in app.error] == [(
        "PRIVACY_DASHBOARD_MIN_CELL: min_cell must be a whole number, 0 (off) or more, not '-1'. No figure is "
        "shown until the setting is mended (README, Security).")]
    assert not app.metric and not app.get("vega_lite_chart")


# --- In a browser ---------------------------------------------------------------------------------------

def test_a_real_server_hides_small_counts_on_screen_and_in_the_download(browser, sample_store_file, tmp_path):
    process, base = start_streamlit(copy_store(sample_store_file, tmp_path), tmp_path / "streamlit.log",
                                    env={small_counts.MIN_CELL_ENV: "20"})
    try:
        context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
        page = context.new_page()
        page.goto(f"{base}/requests")
        wait_for_app(page)
        overdue = page.locator('[data-testid="stMetric"]').filter(has_text="Overdue at 31 Oct 2024")
        assert overdue.locator('[data-testid="stMetricValue"]').inner_text() == "<20"
        assert "Small counts are hidden: a count under 20 reads <20" in page.locator(
            '[data-testid="stSidebar"]').inner_text()
        expect(page.locator('[data-testid="stMain"]')).to_contain_text("Counts under 20 are not drawn")
        with page.expect_download() as download:
            page.get_by_role("button", name="Data (CSV)").first.click()
        lines = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
        # The file says so above its rows, as the chart does below itself.
        assert "# Counts under 20 are not shown; they read <20 in the data." in lines
        rows = [line for line in lines if not line.startswith("#")]
        # The first download is the deadline-health chart's: access has 5 of its 23 open requests overdue.
        assert rows[0] == "Breakdown,Type or jurisdiction,Deadline,Requests,Open at the end"
        assert "Request type,Access,Overdue,<20,23" in rows
        screenshot(page, "requests-small-counts")
        context.close()
    finally:
        process.terminate()
        process.wait(timeout=20)

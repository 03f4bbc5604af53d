"""The Requests page on the sample store: its tiles, table and lists hold the figures of `python -m dashboard metrics`."""

from datetime import date

import pandas as pd

from dashboard.metrics import Filters, figure
from dashboard.store import open_store

TABLE_COLUMNS = ["request_type", "received", "completed", "denied", "withdrawn", "open", "median_days_to_close",
                 "mean_days_to_close", "on_time_rate"]


def open_requests(app):
    app.run()
    app.switch_page("views/requests.py").run()
    assert not app.exception
    return app


def frame_with(app, column: str):
    """The one frame on the page that has this column (each table and chart's data has its own)."""
    (frame,) = [element.value for element in app.dataframe if column in element.value.columns]
    return frame


def plain(value):
    if pd.isna(value):  # the JSON's null
        return None
    return value.item() if hasattr(value, "item") else value


def figure_of(store_file, name, sample_metrics, **selections):
    """A metric query for the default range, read from the sample store as the page reads it."""
    connection = open_store(store_file)
    try:
        filters = Filters(date.fromisoformat(sample_metrics["range"]["start"]),
                          date.fromisoformat(sample_metrics["range"]["end"]), **selections)
        return figure(connection, name, filters)
    finally:
        connection.close()


def test_tiles_table_chart_and_overdue_list_show_the_metrics_figures(app, sample_metrics, sample_store_file):
    expected = sample_metrics["requests"]
    summary = figure_of(sample_store_file, "requests_summary", sample_metrics).iloc[0]
    open_requests(app)

    tiles = {tile.label: tile for tile in app.metric}
    assert list(tiles) == ["Received in the range", "Closed on time", "Median days to close", "Overdue now"]
    assert tiles["Overdue now"].value == str(expected["overdue"]) == "13"
    received = sum(row["received"] for row in expected["by_type"])
    assert tiles["Received in the range"].value == f"{received:,}" == f"{int(summary['received']):,}" == "1,143"
    assert tiles["Closed on time"].value == f"{summary['on_time_rate']:.1%}" == "96.5%"
    assert tiles["Closed on time"].delta == f"of {int(summary['closed']):,} closed" == "of 1,048 closed"
    assert tiles["Median days to close"].value == "14"
    assert tiles["Median days to close"].delta == "mean 17.85"

    table = frame_with(app, "on_time_rate")
    cells = [{column: plain(value) for column, value in row.items()}
             for row in table[TABLE_COLUMNS].sort_values("request_type").to_dict("records")]
    assert cells == expected["by_type"]
    assert table["request_type_label"].tolist() == ["Access", "Deletion", "Correction", "Opt-out of sale/sharing",
                                                    "Limit use of sensitive data"]

    outcomes = frame_with(app, "status")
    by_status = outcomes.pivot(index="request_type", columns="status", values="requests")
    for row in expected["by_type"]:
        assert by_status.loc[row["request_type"]].to_dict() == {
            status: row[status] for status in ("completed", "denied", "withdrawn", "open")}

    # The trailing twelve months: every month times every type, the counts of the metrics document.
    volume = frame_with(app, "month_label")
    types = {row["request_type"] for row in expected["trailing_12_months"]}
    assert volume["month"].nunique() == 12 and len(volume) == 12 * len(types) == 60
    assert sorted(zip(volume["month"], volume["request_type"], volume["received"], strict=True)) == [
        (row["month"], row["request_type"], row["received"]) for row in expected["trailing_12_months"]]
    assert (volume["month"].iloc[0], volume["month_label"].iloc[-1]) == ("2023-11", "Oct 2024")

    distribution = frame_with(app, "days_to_close")
    assert distribution.groupby("request_type")["requests"].sum().sum() == summary["closed"]

    overdue = frame_with(app, "Days overdue")
    assert list(overdue.columns) == ["Request ID", "Request type", "Jurisdiction", "Received", "Due", "Days overdue"]
    assert len(overdue) == expected["overdue"]
    assert overdue.iloc[0][["Request ID", "Jurisdiction", "Days overdue"]].tolist() == ["DSR-2023-00477", "CCPA", 304]
    assert overdue["Days overdue"].is_monotonic_decreasing


def test_one_jurisdiction_draws_its_deadline_and_narrows_every_figure(app, sample_metrics, sample_store_file):
    ccpa_overdue = figure_of(sample_store_file, "requests_overdue", sample_metrics, jurisdictions=("CCPA",))
    assert 0 < len(ccpa_overdue) < sample_metrics["requests"]["overdue"]
    app.run()
    app.sidebar.multiselect(key="jurisdiction").set_value(["CCPA"]).run()
    app.switch_page("views/requests.py").run()
    assert not app.exception

    distribution = frame_with(app, "days_to_close")
    deadlines = distribution.groupby("request_type")["deadline_days"].first()
    # CCPA: 45 calendar days for access, deletion and correction; 15 business days (no single number) for the others.
    assert deadlines[["access", "correction", "deletion"]].tolist() == [45, 45, 45]
    assert deadlines[["limit", "opt_out"]].isna().all()
    assert any(caption.value.startswith(":material/info: No deadline line for Opt-out of sale/sharing, Limit use")
               for caption in app.caption)

    overdue = frame_with(app, "Days overdue")
    assert set(overdue["Jurisdiction"]) == {"CCPA"}
    assert overdue["Request ID"].tolist() == ccpa_overdue["request_id"].tolist()
    assert {tile.label: tile.value for tile in app.metric}["Overdue now"] == str(len(ccpa_overdue)) == "7"
    assert any("Only the request types, jurisdictions and channels chosen" in caption.value for caption in app.caption)


def test_a_range_without_requests_says_so_instead_of_drawing_empty_tables(app):
    app.run()
    app.sidebar.selectbox(key="period").set_value("Custom").run()
    app.sidebar.date_input(key="dates").set_value((date(2020, 1, 1), date(2020, 12, 31))).run()
    app.switch_page("views/requests.py").run()
    assert not app.exception

    tiles = {tile.label: tile.value for tile in app.metric}
    assert tiles == {"Received in the range": "0", "Closed on time": "–", "Median days to close": "–",
                     "Overdue now": "0"}
    infos = [info.value for info in app.info]
    assert "No request was received in this range. Widen the dates or clear a filter in the sidebar." in infos
    assert "No request received in this range has been completed or denied yet." in infos
    assert any("No request is overdue" in success.value for success in app.success)
    # The twelve months to the end of 2020 still have their bars, all at zero.
    volume = frame_with(app, "month_label")
    assert len(volume) == 60 and volume["received"].sum() == 0

"""The Requests page on the sample store: its tiles, table and lists hold the figures of `python -m dashboard metrics`."""

from datetime import date

import pandas as pd

from dashboard.metrics import Filters, figure
from dashboard.store import open_store
from tests.conftest import open_page_for_range, shared_app_store

# The table's headings and the metrics document's keys; the request types by their names.
TABLE_COLUMNS = {"Request type": "request_type", "Received": "received", "Completed": "completed", "Denied": "denied",
                 "Withdrawn": "withdrawn", "Open": "open", "Median days to close": "median_days_to_close",
                 "Mean days to close": "mean_days_to_close", "Closed on time": "on_time_rate"}
TYPE_NAMES = {"Access": "access", "Deletion": "deletion", "Correction": "correction",
              "Opt-out of sale/sharing": "opt_out", "Limit use of sensitive data": "limit"}


# The tests only read the sample: they share one copy of it, and the pages' caches with it.
app_store = shared_app_store("requests-page")


def open_requests(app):
    app.run()
    app.switch_page("views/requests.py").run()
    assert not app.exception
    return app


def frame_with(app, *columns: str):
    """The one frame on the page that has these columns (each table and chart's data has its own)."""
    (frame,) = [element.value for element in app.dataframe if set(columns) <= set(element.value.columns)]
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
    # The sample's newest data is from 31 Oct 2024, the end of the default range.
    assert list(tiles) == ["Received in the range", "Closed on time", "Median days to close", "Open at 31 Oct 2024",
                           "Overdue at 31 Oct 2024", "Due in the next 7 days", "On track", "Projected late"]
    assert tiles["Overdue at 31 Oct 2024"].value == str(expected["overdue"]) == "13"
    health = expected["health"]
    assert [tiles[label].value for label in ("Open at 31 Oct 2024", "Due in the next 7 days", "On track")] == [
        str(health["open_at_end"]), str(health["due_soon"]), str(health["on_track"])] == ["64", "4", "47"]
    assert health["open_at_end"] == health["overdue"] + health["due_soon"] + health["on_track"]
    assert tiles["Projected late"].value == str(health["forecast"]["projected_late"])
    assert tiles["Projected late"].delta == f"at {health['forecast']['closed_last_30_days']} closed in 30 days"
    received = sum(row["received"] for row in expected["by_type"])
    assert tiles["Received in the range"].value == f"{received:,}" == f"{int(summary['received']):,}" == "1,143"
    assert tiles["Closed on time"].value == f"{summary['on_time_rate']:.1%}" == "96.5%"
    assert tiles["Closed on time"].delta == f"of {int(summary['closed']):,} closed" == "of 1,048 closed"
    # Day figures with one decimal, as everywhere: the median 14 days, the mean 17.85 days.
    assert tiles["Median days to close"].value == "14.0"
    assert tiles["Median days to close"].delta == "mean 17.9"

    table = frame_with(app, "Request type", "Closed on time")
    assert table["Request type"].tolist() == list(TYPE_NAMES)
    cells = []
    for row in table[list(TABLE_COLUMNS)].rename(columns=TABLE_COLUMNS).to_dict("records"):
        row = {column: plain(value) for column, value in row.items()}
        row["request_type"] = TYPE_NAMES[row["request_type"]]
        row["on_time_rate"] = round(row["on_time_rate"] / 100, 4)  # shown as a percentage
        cells.append(row)
    assert sorted(cells, key=lambda row: row["request_type"]) == expected["by_type"]
    # Rates as percentages with one decimal: 97.02% of access requests is shown 97.0% (the column's format).
    on_time = next(column for column in app.dataframe if "Closed on time" in column.value.columns)
    assert '"format":"%.1f%%"' in on_time.proto.columns.replace(" ", "")

    outcomes = frame_with(app, "Status")
    by_status = outcomes.pivot(index="Request type", columns="Status", values="Requests")
    for row in expected["by_type"]:
        name = {key: name for name, key in TYPE_NAMES.items()}[row["request_type"]]
        assert by_status.loc[name].to_dict() == {
            status.capitalize(): row[status] for status in ("completed", "denied", "withdrawn", "open")}

    # The trailing twelve months: every month times every type, the counts of the metrics document.
    volume = frame_with(app, "All types that month")
    types = {row["request_type"] for row in expected["trailing_12_months"]}
    assert volume["Month"].nunique() == 12 and len(volume) == 12 * len(types) == 60
    assert sorted(zip(volume["Month"], [TYPE_NAMES[name] for name in volume["Request type"]], volume["Received"],
                      strict=True)) == [
        (row["month"], row["request_type"], row["received"]) for row in expected["trailing_12_months"]]
    assert (volume["Month"].iloc[0], volume["Month"].iloc[-1]) == ("2023-11", "2024-10")

    distribution = frame_with(app, "Days to close")
    assert distribution["Requests"].sum() == summary["closed"]

    overdue = frame_with(app, "Days overdue")
    assert list(overdue.columns) == ["Request ID", "Request type", "Jurisdiction", "Received", "Due", "Days overdue"]
    assert len(overdue) == expected["overdue"]
    assert overdue.iloc[0][["Request ID", "Jurisdiction", "Days overdue"]].tolist() == [
        "DSR-2023-00477", "CCPA (California)", 304]
    assert overdue["Days overdue"].is_monotonic_decreasing

    due_soon = frame_with(app, "Days left")
    assert len(due_soon) == health["due_soon"] and due_soon["Days left"].is_monotonic_increasing
    assert due_soon["Days left"].between(0, 7).all()

    # One row per law, as `metrics` gives them; the laws add up to the types.
    laws = frame_with(app, "Jurisdiction", "Due soon")
    assert len(laws) == len(expected["by_jurisdiction"])
    ccpa = next(row for row in expected["by_jurisdiction"] if row["jurisdiction"] == "CCPA")
    shown = laws[laws["Jurisdiction"] == "CCPA (California)"].iloc[0]
    assert [shown[heading] for heading in ("Received", "Completed", "Denied", "Withdrawn", "Open", "Overdue",
                                           "Due soon")] == [
        ccpa[key] for key in ("received", "completed", "denied", "withdrawn", "open", "overdue", "due_soon")]
    assert laws["Received"].sum() == received
    # Every denial of the range is in the chart of denials by reason, once.
    grounds = frame_with(app, "Reason for denial")
    assert grounds["Requests"].sum() == sum(row["denied"] for row in expected["by_type"])
    assert set(grounds["Reason for denial"]) <= {"Identity could not be verified", "Not a consumer (e.g. not a resident)",
                                                 "Exempt (an exception applies)", "Other grounds", "No reason recorded"}
    health_bars = frame_with(app, "Deadline")
    assert health_bars.loc[health_bars["Deadline"] == "Overdue", "Requests"].sum() == 2 * health["overdue"]


def test_one_jurisdiction_draws_its_deadline_and_narrows_every_figure(app, sample_metrics, sample_store_file):
    ccpa_overdue = figure_of(sample_store_file, "requests_overdue", sample_metrics, jurisdictions=("CCPA",))
    assert 0 < len(ccpa_overdue) < sample_metrics["requests"]["overdue"]
    app.run()
    app.sidebar.multiselect(key="jurisdiction").set_value(["CCPA"]).run()
    app.switch_page("views/requests.py").run()
    assert not app.exception

    distribution = frame_with(app, "Days to close")
    deadlines = distribution.groupby("Request type")["Deadline (days)"].first()
    # CCPA: 45 calendar days for access, deletion and correction; 15 business days (no single number) for the others.
    assert deadlines[["Access", "Correction", "Deletion"]].tolist() == [45, 45, 45]
    assert deadlines[["Limit use of sensitive data", "Opt-out of sale/sharing"]].isna().all()
    assert any(caption.value.startswith(":material/info: No deadline line for Opt-out of sale/sharing, Limit use")
               for caption in app.caption)

    overdue = frame_with(app, "Days overdue")
    assert set(overdue["Jurisdiction"]) == {"CCPA (California)"}
    assert overdue["Request ID"].tolist() == ccpa_overdue["request_id"].tolist()
    assert {tile.label: tile.value for tile in app.metric}["Overdue at 31 Oct 2024"] == str(len(ccpa_overdue)) == "7"
    assert any("Only the request types, jurisdictions and channels chosen" in caption.value for caption in app.caption)


def test_a_range_without_requests_says_so_instead_of_drawing_empty_tables(app):
    open_page_for_range(app, "views/requests.py", date(2020, 1, 1), date(2020, 12, 31))

    tiles = {tile.label: tile.value for tile in app.metric}
    assert tiles == {"Received in the range": "0", "Closed on time": "–", "Median days to close": "–",
                     "Open at 31 Dec 2020": "0", "Overdue at 31 Dec 2020": "0", "Due in the next 7 days": "0",
                     "On track": "0", "Projected late": "0"}
    infos = [info.value for info in app.info]
    assert "No request was received in this range. Widen the dates or clear a filter in the sidebar." in infos
    assert "No request received in this range has been completed or denied yet." in infos
    assert {success.value for success in app.success} >= {
        "No request is open at the end of 31 Dec 2020.", "No request is overdue.",
        "No request is due within 7 days."}
    # The twelve months to the end of 2020 still have their bars, all at zero.
    volume = frame_with(app, "All types that month")
    assert len(volume) == 60 and volume["Received"].sum() == 0

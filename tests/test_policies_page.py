"""The Policy versions page on the sample store: tiles and catalogue equal `python -m dashboard metrics`."""

from datetime import date

import pytest

from dashboard import metrics
from dashboard.store import open_store

PAGE = "views/policies.py"


def tile(app, label):
    return next(metric for metric in app.metric if metric.label == label)


def table_with(app, column):
    return next(frame.value for frame in app.dataframe if column in frame.value.columns)


@pytest.fixture
def marketing_versions(app_store):
    """policy_versions for the default range counting marketing records only, read before the app opens."""
    connection = open_store(app_store)
    try:
        filters = metrics.Filters.for_range(connection, purposes=("marketing",))
        return metrics.figure(connection, "policy_versions", filters)
    finally:
        connection.close()


def test_tiles_and_catalogue_equal_the_metrics_output(app, app_store, sample_metrics):
    app.switch_page(PAGE).run()
    assert not app.exception
    assert app.title[0].value == "Policy versions"
    assert [header.value for header in app.subheader] == [
        "Version mix by month", "Adoption of each version", "Catalogue",
    ]

    policy = sample_metrics["policy"]
    assert tile(app, "Latest policy version").value == policy["latest_version"] == "2024-09-01"
    assert tile(app, "On the latest version").value == f"{policy['latest_version_share']:.1%}" == "72.1%"
    people = sum(version["subjects_current"] for version in policy["versions"])
    assert tile(app, "People with a current version").value == f"{people:,}" == "3,000"

    catalogue = table_with(app, "url")
    shown = {
        row.policy_version: {
            "policy_version": row.policy_version,
            "effective_date": f"{row.effective_date:%Y-%m-%d}",
            "subjects_current": row.subjects_current,
            "share_current": round(row.share_current / 100, 4),  # shown as a percentage
        }
        for row in catalogue.itertuples()
    }
    assert shown == {version["policy_version"]: version for version in policy["versions"]}
    # Newest first, the latest marked, each linked to its published text.
    assert catalogue["policy_version"].tolist() == ["2024-09-01", "2024-03-15", "2023-06-01", "2022-11-01"]
    assert catalogue["is_latest"].tolist() == [True, False, False, False]
    assert catalogue["url"].tolist()[0] == "https://example.com/privacy/2024-09-01"

    # The checkpoints are the adoption query's rows at 30 and 60 days, never interpolated.
    # Shares as every page writes them, and "–" (never "None") where a version has no row that day.
    checkpoints = table_with(app, "after_30_days").set_index("policy_version")
    assert checkpoints.loc["2024-09-01", ["after_30_days", "after_60_days", "now"]].tolist() == [
        "56.3%", "72.1%", "72.1%"]
    assert checkpoints.loc["2024-09-01", "days_in_force"] == 60
    cells = checkpoints.astype(str).to_numpy().ravel().tolist()
    assert "None" not in cells and "nan" not in cells


def test_a_purpose_filter_changes_the_figures(app, marketing_versions):
    app.switch_page(PAGE).run()
    app.sidebar.multiselect(key="purpose").set_value(["marketing"]).run()
    assert not app.exception
    assert any("purposes, channels and regions chosen" in caption.value for caption in app.caption)

    latest = marketing_versions[marketing_versions["is_latest"]].iloc[0]
    assert tile(app, "Latest policy version").value == latest["policy_version"] == "2024-09-01"
    assert tile(app, "On the latest version").value == f"{latest['share_current']:.1%}" == "8.6%"
    catalogue = table_with(app, "url").set_index("policy_version")
    expected = marketing_versions.set_index("policy_version")
    assert catalogue.loc[expected.index, "subjects_current"].tolist() == expected["subjects_current"].tolist()
    assert round(catalogue.loc["2024-03-15", "share_current"] / 100, 4) == expected.loc["2024-03-15", "share_current"] \
        == 0.7443


def test_a_range_before_any_version_says_so(app):
    app.switch_page(PAGE).run()
    app.sidebar.selectbox(key="period").set_value("Custom").run()
    app.sidebar.date_input(key="dates").set_value((date(2022, 1, 1), date(2022, 6, 30))).run()
    assert not app.exception
    assert any("No policy version is in force" in info.value for info in app.info)
    assert not app.metric and not app.dataframe

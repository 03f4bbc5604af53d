"""The Overview page: its tiles equal `python -m dashboard metrics` for the same range."""


def tiles(app) -> dict:
    return {metric.label: (metric.value, metric.delta) for metric in app.metric}


def test_overview_tiles_equal_the_command_line_figures(app, sample_metrics):
    app.run()
    assert not app.exception
    shown = tiles(app)
    by_purpose = {row["purpose"]: row for row in sample_metrics["consent"]["by_purpose"]}
    assert shown["Marketing: opted in"][0] == (
        f"{by_purpose['marketing']['standing_opt_in_rate']:.1%}"
    )
    assert shown["Research and development: opted in"][0] == (
        f"{by_purpose['research_development']['standing_opt_in_rate']:.1%}"
    )
    # The sample's newest data is from 31 Oct 2024: the tiles name the day and the months they are taken at.
    assert shown["Overdue at 31 Oct 2024"][0] == str(sample_metrics["requests"]["overdue"])
    received = sum(row["received"] for row in sample_metrics["requests"]["trailing_12_months"])
    assert shown["Requests, 12 months to Oct 2024"][0] == f"{received:,}"
    latest = sample_metrics["policy"]["latest_version"]
    assert shown["On the latest policy"] == (f"{sample_metrics['policy']['latest_version_share']:.1%}",
                                             f"version {latest}")


def test_overview_shows_the_change_over_the_range(app):
    app.run()
    # Marketing's standing rate fell after the March 2024 re-consent prompt (sample data's story).
    _, delta = tiles(app)["Marketing: opted in"]
    assert delta.startswith("-") and delta.endswith(" pts")
    assert len(app.get("vega_lite_chart")) == 3


def test_a_range_that_ended_in_the_past_names_its_own_end(app):
    """Under "Last calendar year" the tiles are taken at 31 Dec 2023, not "now", and the sidebar does not
    claim the range reaches the newest data."""
    app.query_params["period"] = "Last calendar year"
    app.run()
    assert not app.exception
    labels = set(tiles(app))
    assert {"Overdue at 31 Dec 2023", "Requests, 12 months to Dec 2023"} <= labels
    assert not any("now" in label.lower() or "last 12" in label.lower() for label in labels)
    captions = [caption.value for caption in app.sidebar.caption]
    assert "01 Jan 2023 – 31 Dec 2023, UTC" in captions

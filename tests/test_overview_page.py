"""The Overview page: its tiles equal `python -m dashboard metrics` for the same range."""


def tiles(app) -> dict:
    return {metric.label: (metric.value, metric.delta) for metric in app.metric}


def test_overview_tiles_equal_the_command_line_figures(app, sample_metrics):
    app.run()
    assert not app.exception
    shown = tiles(app)
    by_purpose = {row["purpose"]: row for row in sample_metrics["consent"]["by_purpose"]}
    assert shown["Marketing, targeted offers, newsletters: opted in"][0] == (
        f"{by_purpose['marketing']['standing_opt_in_rate']:.1%}"
    )
    assert shown["Research and product development: opted in"][0] == (
        f"{by_purpose['research_development']['standing_opt_in_rate']:.1%}"
    )
    assert shown["Overdue now"][0] == str(sample_metrics["requests"]["overdue"])
    received = sum(row["received"] for row in sample_metrics["requests"]["trailing_12_months"])
    assert shown["Requests, last 12 months"][0] == f"{received:,}"
    latest = sample_metrics["policy"]["latest_version"]
    assert shown[f"On policy {latest}"][0] == f"{sample_metrics['policy']['latest_version_share']:.1%}"


def test_overview_shows_the_change_over_the_range(app):
    app.run()
    # Marketing's standing rate fell after the March 2024 re-consent prompt (sample data's story).
    _, delta = tiles(app)["Marketing, targeted offers, newsletters: opted in"]
    assert delta.startswith("-") and delta.endswith(" pts")
    assert len(app.get("vega_lite_chart")) == 3

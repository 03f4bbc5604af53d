"""The Consent page on the sample store: its tiles and table hold the figures of `python -m dashboard metrics`."""

import json
from datetime import date

from tests.conftest import shared_app_store

# The table's headings (as a person reads them) and the metrics document's keys.
HEADINGS = {"Purpose": "purpose", "Opt-ins": "opt_ins", "Opt-outs": "opt_outs",
            "Opt-in rate of choices": "decision_opt_in_rate", "People with a choice": "standing_subjects",
            "Opted in at end": "standing_opt_ins", "Standing opt-in rate": "standing_opt_in_rate"}
PURPOSE_NAMES = {"Quality control": "quality_control", "Marketing": "marketing",
                 "Research and development": "research_development"}
RATES = ("decision_opt_in_rate", "standing_opt_in_rate")


# The tests only read the sample: they share one copy of it, and the pages' caches with it.
app_store = shared_app_store("consent-page")


def purpose_table(app):
    """The per-purpose table (the page's only frame with standing figures and no month or measure)."""
    (table,) = [
        frame.value for frame in app.dataframe
        if "Standing opt-in rate" in frame.value.columns and not {"Month", "Measure"} & set(frame.value.columns)
    ]
    return table


def table_figures(table) -> list[dict]:
    """The table's rows under the metrics document's keys: purposes by key, rates (shown as percentages) as
    fractions."""
    rows = []
    for row in table[list(HEADINGS)].rename(columns=HEADINGS).to_dict("records"):
        row = {key: (value.item() if hasattr(value, "item") else value) for key, value in row.items()}
        row["purpose"] = PURPOSE_NAMES[row["purpose"]]
        for rate in RATES:
            row[rate] = round(row[rate] / 100, 4)
        rows.append(row)
    return sorted(rows, key=lambda row: row["purpose"])


def open_consent(app):
    app.run()
    app.switch_page("views/consent.py").run()
    assert not app.exception
    return app


def test_tiles_and_table_show_the_metrics_figures(app, sample_metrics):
    open_consent(app)
    expected = sample_metrics["consent"]["by_purpose"]
    assert [row["purpose"] for row in expected] == ["marketing", "quality_control", "research_development"]

    table = purpose_table(app)
    assert table_figures(table) == expected

    # One tile per purpose with choices, in the policy's order: the standing rate, its denominator, and in
    # the help the catalogue's label and the decision rate.
    names = {key: name for name, key in PURPOSE_NAMES.items()}
    purpose_tiles = [tile for tile in app.metric if "GPC" not in tile.label]
    assert [tile.label for tile in purpose_tiles] == list(names.values())
    tiles = {tile.label: tile for tile in purpose_tiles}
    for row in expected:
        tile = tiles[names[row["purpose"]]]
        assert names[row["purpose"]] in tile.help
        assert tile.value == f"{row['standing_opt_in_rate']:.1%}"
        assert tile.delta == f"of {row['standing_subjects']:,} people"
        choices = row["opt_ins"] + row["opt_outs"]
        decision = f"{row['decision_opt_in_rate']:.1%} were opt-ins ({row['opt_ins']:,} of {choices:,} choices)"
        assert decision in tile.help
    assert tiles["Marketing"].value == "54.2%"
    # The help quotes the privacy policy's own wording of the purpose.
    assert "Marketing, targeted offers, newsletters" in tiles["Marketing"].help

    assert any("Necessary purposes are acknowledged, not chosen, so they have no opt-in rate" in caption.value
               and "Transaction processing" in caption.value for caption in app.caption)
    # The sample's banner views: the page's reach table carries metrics' figures, the no-choice rate is those shown
    # who made no choice, of those shown.
    reach = {row["purpose"]: row for row in sample_metrics["consent"]["reach"]}
    assert set(reach) == {"marketing", "notice"}
    notice = reach["notice"]
    assert notice["no_choice_rate"] == round((notice["people_shown"] - notice["people_chose"]) / notice["people_shown"], 4)
    (table,) = [frame.value for frame in app.dataframe if "People shown a notice" in frame.value.columns]
    shown = table.set_index("Purpose")
    assert (shown.at["Notice", "People shown a notice"], shown.at["Notice", "Of them, chose"]) == (
        notice["people_shown"], notice["people_chose"])
    assert not any(info.value.startswith("The exports loaded hold no notice views") for info in app.info)


def test_the_trend_shows_standing_consent_until_the_decision_rate_is_chosen(app):
    open_consent(app)

    def trend_spec():
        specs = [json.loads(chart.proto.spec) for chart in app.get("vega_lite_chart")]
        # The trend's lines are its first layer when the chart carries markers (policy versions, team events).
        (spec,) = [{**spec, **spec.get("layer", [{}])[0]} for spec in specs
                   if "month" in json.dumps(spec.get("layer", [spec])[0].get("encoding", {}))]
        return spec

    assert trend_spec()["encoding"]["y"]["field"] == "standing_opt_in_rate"
    assert trend_spec()["title"]["text"] == "Standing opt-in rate at each month's end, by purpose"
    app.segmented_control(key="consent-trend-rate").set_value("decision").run()
    assert not app.exception
    assert trend_spec()["encoding"]["y"]["field"] == "decision_opt_in_rate"
    assert trend_spec()["title"]["text"] == "Opt-in rate of the choices made each month, by purpose"


def test_a_purpose_filter_narrows_the_page_to_that_purpose(app, sample_metrics):
    app.run()
    app.sidebar.multiselect(key="purpose").set_value(["marketing"]).run()
    app.switch_page("views/consent.py").run()
    assert not app.exception

    (marketing,) = [row for row in sample_metrics["consent"]["by_purpose"] if row["purpose"] == "marketing"]
    assert table_figures(purpose_table(app)) == [marketing]
    assert [(tile.label, tile.value) for tile in app.metric if "GPC" not in tile.label] == [("Marketing", "54.2%")]


def test_ranges_without_choices_say_so_instead_of_drawing(app):
    open_consent(app)
    app.sidebar.selectbox(key="period").set_value("Custom").run()

    # After the newest data: consent still stands, but no choice was made in the range.
    app.sidebar.date_input(key="dates").set_value((date(2024, 11, 1), date(2024, 11, 30))).run()
    assert not app.exception
    assert [tile.value for tile in app.metric] == ["91.6%", "54.2%", "38.2%"]
    assert all("Choices made in the range**: none." in tile.help for tile in app.metric)
    messages = [info.value for info in app.info]
    assert any("nothing to show by channel" in message for message in messages)
    assert any("nothing to show by region" in message for message in messages)

    # Before the first data: nothing at all to show.
    app.sidebar.date_input(key="dates").set_value((date(2022, 1, 1), date(2022, 12, 31))).run()
    assert not app.exception
    assert any("No opt-in or opt-out choice was made up to the end of this range" in info.value for info in app.info)
    assert not app.metric
    assert not app.dataframe
    assert not app.get("vega_lite_chart")

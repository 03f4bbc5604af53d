"""The frame every page shares: sidebar filters, the sample notice, messages instead of errors."""

from datetime import date


def test_opens_on_the_sample_with_a_notice_and_the_last_twelve_months(app):
    app.run()
    assert not app.exception
    assert any("Sample data" in warning.value for warning in app.warning)
    assert app.sidebar.selectbox(key="period").value == "Last 12 months"
    filters = app.session_state["_filters"]
    assert (filters.start, filters.end) == (date(2023, 11, 1), date(2024, 10, 31))


def test_presets_set_the_range(app):
    app.run()
    app.sidebar.selectbox(key="period").set_value("Last calendar year").run()
    filters = app.session_state["_filters"]
    assert (filters.start, filters.end) == (date(2023, 1, 1), date(2023, 12, 31))
    app.sidebar.selectbox(key="period").set_value("Year to date").run()
    filters = app.session_state["_filters"]
    assert (filters.start, filters.end) == (date(2024, 1, 1), date(2024, 10, 31))


def test_a_half_picked_range_gives_a_short_message(app):
    app.run()
    app.sidebar.selectbox(key="period").set_value("Custom").run()
    app.sidebar.date_input(key="dates").set_value((date(2024, 1, 1),)).run()
    assert not app.exception
    assert any("Pick the last day of the range" in info.value for info in app.info)


def test_filters_survive_a_page_switch(app):
    app.run()
    app.sidebar.multiselect(key="purpose").set_value(["marketing"]).run()
    app.switch_page("views/consent.py").run()
    assert app.session_state["_filters"].purposes == ("marketing",)


def test_a_store_emptied_on_purpose_stays_empty_after_a_restart(app, app_store):
    import streamlit as st

    from dashboard.store import open_store, remove_sample

    connection = open_store(app_store)
    remove_sample(connection)
    connection.close()
    st.cache_resource.clear()  # caches emptied, as after a restart
    app.run()
    assert not app.exception
    assert not any("Sample data" in warning.value for warning in app.warning)
    assert any("The store has no data yet" in info.value for info in app.info)

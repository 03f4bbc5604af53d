"""Each measure is written once, in queries/measures.sql: no figure's query writes a rate or a day figure of its
own, and redefining a measure on a scratch copy of the sample store moves every figure that shows it, on the
pages' queries, in the command line's document and in the CCPA report."""

import re

import pandas as pd

from dashboard import metrics
from dashboard.queries import QUERIES_DIR, run_query
from dashboard.store import open_store
from tests.conftest import copy_store

FIGURE_QUERIES = sorted(metrics.FIGURES | {"ccpa_report"})


def test_no_figure_query_writes_a_rate_or_a_day_figure_itself():
    written_here = {name: re.findall(r"\b(round|median|avg|nullif)\(", (QUERIES_DIR / f"{name}.sql").read_text())
                    for name in FIGURE_QUERIES}
    assert {name: found for name, found in written_here.items() if found} == {}


def redefined(store_file, *macros: str):
    """A scratch copy of the sample store with some measures redefined."""
    connection = open_store(store_file)
    for macro in macros:
        connection.execute(f"CREATE OR REPLACE MACRO {macro}")
    return connection, metrics.Filters.for_range(connection)


def test_a_new_opt_in_rate_moves_every_consent_figure(app_store):
    connection, filters = redefined(app_store, "opt_in_rate(opt_ins, opt_outs) AS 0.25",
                                    "standing_opt_in_rate(opted_in, subjects) AS 0.75")
    for name in ("consent_by_purpose", "consent_monthly_trend", "consent_by_channel", "consent_by_region"):
        frame = metrics.figure(connection, name, filters)
        assert len(frame) > 0 and set(frame["decision_opt_in_rate"]) == {0.25}, name
    for name in ("consent_by_purpose", "consent_monthly_trend", "overview_consent"):
        assert set(metrics.figure(connection, name, filters)["standing_opt_in_rate"]) == {0.75}, name
    document = metrics.metrics_document(connection, filters)
    assert {(row["decision_opt_in_rate"], row["standing_opt_in_rate"])
            for row in document["consent"]["by_purpose"]} == {(0.25, 0.75)}
    # The Overview's tiles: 0.75 at the end and the day before the range, so no change.
    assert {(row["standing_opt_in_rate"], row["standing_opt_in_change"])
            for row in document["overview"]["consent"]} == {(0.75, 0.0)}


def test_new_request_measures_move_the_requests_figures_and_the_ccpa_report(app_store):
    connection, filters = redefined(app_store, "on_time_rate(days_to_close, closed_date, due_date) AS 0.5",
                                    "median_days(days_to_close) AS 99.0", "mean_days(days_to_close) AS 77.0")
    for name in ("requests_by_type", "requests_summary"):
        frame = metrics.figure(connection, name, filters)
        assert len(frame) > 0, name
        assert set(frame["on_time_rate"]) == {0.5}, name
        assert set(frame["median_days_to_close"]) == {99.0} and set(frame["mean_days_to_close"]) == {77.0}, name
    assert metrics.metrics_document(connection, filters)["overview"]["requests"]["on_time_rate"] == 0.5
    report = metrics.ccpa_report(connection, 2023, scope="all")
    assert {(row["median_days"], row["mean_days"]) for row in report} == {(99.0, 77.0)}


# Every table summaries.py keeps.
SUMMARY_TABLES = ("consent_daily", "consent_version_days", "consent_standing_days", "consent_standing_slices",
                  "policy_version_days", "policy_version_slices", "request_fact_rows")


def test_every_query_computes_from_the_rows_when_told_and_from_the_summaries_otherwise(app_store, sample_store_file,
                                                                                     tmp_path):
    """One switch (views.sql, from_summaries) is behind every query: with every summary emptied on a scratch copy,
    the straightforward figures are still those of the intact store, and the usual ones are those of an empty one."""
    (tmp_path / "intact").mkdir()
    intact = open_store(copy_store(sample_store_file, tmp_path / "intact"))
    filters = metrics.Filters.for_range(intact)
    scratch = open_store(app_store)
    for table in SUMMARY_TABLES:
        scratch.execute(f"DELETE FROM {table}")
    parameters = filters.parameters()
    for name in [*FIGURE_QUERIES, "filter_options", "default_range"]:
        values = parameters | metrics.ccpa_parameters(2024, "all")
        expected = run_query(intact, name, values)
        # The sample has no `shown` rows, so notice reach is empty, nor a choice's method, so the opt-outs by method
        # are; they read the consent rows, never a summary.
        assert len(expected) > 0 or name in ("consent_reach", "consent_by_method", "consent_by_method_region"), name
        pd.testing.assert_frame_equal(run_query(scratch, name, values, straightforward=True), expected, obj=name)
    # From the emptied summaries: no consent choice, no request, no policy version of a consent row.
    assert run_query(scratch, "requests_by_type", parameters).empty
    assert run_query(scratch, "consent_by_purpose", parameters).empty
    assert pd.isna(run_query(scratch, "default_range").iloc[0]["end"])
    intact.close()

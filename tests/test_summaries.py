"""The summaries the store keeps give exactly the figures of the straightforward SQL over the raw rows,
after every upload and every undo, on randomised stores full of ties, repeats and missing values."""

import csv
import random
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from dashboard import summaries
from dashboard.ingest import ingest_file
from dashboard.metrics import FIGURES, Filters
from dashboard.metrics import figure as metric_figure
from dashboard.store import remove_upload

TEST_DATA = Path(__file__).parent / "data"
PURPOSES = ("marketing", "communications", "research_and_development", "quality_control")
VERSIONS = ("2024-01-01", "2024-03-01", "2024-06-01", "v-next", "")
CHANNELS = ("web", "app", "", "store")
REGIONS = ("US-CA", "EU", "", "GB")
DECISIONS = ("opt_in", "opt_out", "opt_out", "acknowledge", "yes")
START = datetime(2024, 1, 1)
SUMMARY_TABLES = ("consent_daily", "consent_version_days", "consent_standing_days", "consent_standing_slices",
                  "policy_version_days", "policy_version_slices", "request_fact_rows")


def consent_rows(rng: random.Random, count: int, first_event: int) -> list[list[str]]:
    """Rows that collide on purpose: few subjects, few instants (so many ties in one instant and one day)."""
    instants = [START + timedelta(days=rng.randrange(200), hours=rng.choice((0, 9, 23))) for _ in range(60)]
    rows = []
    for number in range(first_event, first_event + count):
        rows.append([
            f"e{number}", f"s{rng.randrange(40)}", rng.choice(instants).strftime("%Y-%m-%dT%H:%M:%SZ"),
            rng.choice(PURPOSES), rng.choice(DECISIONS), rng.choice(VERSIONS), rng.choice(CHANNELS),
            rng.choice(REGIONS),
        ])
    return rows


def write_consent(path, rows) -> str:
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["event_id", "subject_id", "occurred_at", "purpose", "decision", "policy_version",
                         "channel", "region"])
        writer.writerows(rows)
    return str(path)


def write_policies(path, versions: dict[str, str]) -> str:
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["policy_version", "effective_date", "title"])
        writer.writerows([version, effective, f"Policy {version}"] for version, effective in versions.items())
    return str(path)


FILTERS = (
    Filters(start=date(2024, 1, 1), end=date(2024, 7, 31)),
    Filters(start=date(2024, 2, 10), end=date(2024, 4, 30)),
    Filters(start=date(2024, 1, 1), end=date(2024, 7, 31), purposes=("marketing", "communications")),
    Filters(start=date(2024, 1, 1), end=date(2024, 7, 31), channels=("web", "unknown")),
)
# One value of one filter: read from the summaries kept per value (the consent history per channel or
# region, the version history per purpose, channel or region). Only the figures that follow each
# subject's history read those; the others are compared for the filters above.
SLICE_FILTERS = (
    Filters(start=date(2024, 2, 10), end=date(2024, 6, 30), purposes=("research_and_development",)),
    Filters(start=date(2024, 1, 1), end=date(2024, 7, 31), channels=("web",)),
    Filters(start=date(2024, 1, 1), end=date(2024, 7, 31), channels=("app", "app"),
            purposes=("marketing", "communications")),
    # A missing region is chosen as 'unknown'.
    Filters(start=date(2024, 3, 1), end=date(2024, 7, 31), regions=("unknown",)),
)
# Every figure that reads a summary: notice reach and the opt-outs by method read the consent rows alone, so their
# two paths are one.
FIGURE_NAMES = sorted(FIGURES - {"consent_reach", "consent_by_method", "consent_by_method_region"})
HISTORY_FIGURES = ("consent_by_purpose", "consent_monthly_trend", "policy_adoption", "policy_version_mix",
                   "policy_versions")


def history_paths(store, filters: Filters) -> tuple:
    """Which summary the consent and the version histories are read from for these filters (views.sql)."""
    cursor = store.cursor()
    try:
        return tuple(cursor.execute(
            "SELECT history_summary(NULL, $channels, $regions), history_summary($purposes, $channels, $regions)",
            {"purposes": filters.parameters()["purposes"], "channels": filters.parameters()["channels"],
             "regions": filters.parameters()["regions"]}).fetchall()[0])
    finally:
        cursor.close()


def test_the_filters_compared_cover_every_summary_and_the_rows(store):
    consent_paths, version_paths = zip(*(history_paths(store, filters) for filters in FILTERS + SLICE_FILTERS),
                                       strict=True)
    assert set(consent_paths) == {"all", "channel", "region", None}
    assert set(version_paths) == {"all", "purpose", "channel", "region", None}


def assert_summaries_agree(store, *, slices: bool = False) -> None:
    """Every figure, for several filters, equal by both paths (and, with `slices`, the figures read from the
    summaries kept per value of a filter); and the kept summaries equal to ones computed afresh."""
    for filters, names in [(filters, FIGURE_NAMES) for filters in FILTERS] + [
            (filters, HISTORY_FIGURES) for filters in (SLICE_FILTERS if slices else ())]:
        for name in names:
            summarised = metric_figure(store, name, filters)
            straightforward = metric_figure(store, name, filters, straightforward=True)
            pd.testing.assert_frame_equal(summarised, straightforward, check_dtype=False, obj=f"{name} {filters}")
    assert_kept_summaries_are_fresh(store)


def assert_kept_summaries_are_fresh(store) -> None:
    """The summaries the store kept through its uploads and undos equal ones computed afresh from its rows
    (the figures read nothing else, so this is what an undo must keep exact)."""
    kept = {table: sorted(store.execute(f"SELECT * FROM {table}").fetchall(), key=str) for table in SUMMARY_TABLES}
    store.execute("BEGIN TRANSACTION")
    summaries.rebuild(store)
    fresh = {table: sorted(store.execute(f"SELECT * FROM {table}").fetchall(), key=str) for table in SUMMARY_TABLES}
    store.execute("ROLLBACK")
    for table in SUMMARY_TABLES:
        assert kept[table] == fresh[table], table


# One seed: it builds a store made to collide and checks every figure both ways after every step (about
# 20 s); each further seed costs as much again, and the suite must stay within its five minutes.
@pytest.mark.parametrize("seed", [1])
@pytest.mark.slow
def test_summaries_stay_exact_through_uploads_and_undos(store, tmp_path, seed):
    rng = random.Random(seed)
    first = consent_rows(rng, 400, 0)
    second = first[150:300] + consent_rows(rng, 300, 1000)  # half already stored
    third = consent_rows(rng, 200, 5000)

    # Every figure both ways where the store changed most; the kept summaries against fresh ones after
    # every step.
    first_id = ingest_file(store, "consent", write_consent(tmp_path / "first.csv", first)).upload_id
    assert_kept_summaries_are_fresh(store)
    second_report = ingest_file(store, "consent", write_consent(tmp_path / "second.csv", second))
    assert second_report.rows_duplicate == 150
    requests_id = ingest_file(store, "requests", TEST_DATA / "requests" / "requests.csv").upload_id
    policies_id = ingest_file(store, "policies", write_policies(tmp_path / "policies.csv", {
        "2024-01-01": "2024-01-01", "2024-03-01": "2024-03-01", "2024-06-01": "2024-06-01"})).upload_id
    assert_kept_summaries_are_fresh(store)
    ingest_file(store, "consent", write_consent(tmp_path / "third.csv", third))
    assert_summaries_agree(store, slices=True)

    # The per-value summaries are compared with the rows where the store changed most, after an upload
    # and after an undo; after every step they are compared with ones computed afresh.
    remove_upload(store, int(second_report.upload_id))
    assert_summaries_agree(store, slices=True)
    remove_upload(store, int(policies_id))
    assert_kept_summaries_are_fresh(store)
    remove_upload(store, int(requests_id))
    assert_summaries_agree(store)
    remove_upload(store, int(first_id))
    assert_summaries_agree(store)


def test_a_version_first_seen_earlier_moves_ties_and_the_summary_follows(store, tmp_path):
    """v-b first appears after v-a, so at a tie v-b wins; a later upload shows v-b earlier still, which
    changes the catalogue, and the version summary is recomputed, not patched."""
    header = ["2024-02-01T10:00:00Z", "2024-03-01T10:00:00Z"]
    first = [["e1", "s1", header[0], "marketing", "opt_in", "v-a", "web", "EU"],
             ["e2", "s2", header[1], "marketing", "opt_in", "v-b", "web", "EU"],
             ["e3", "s3", header[1], "marketing", "opt_in", "v-a", "web", "EU"],
             ["e4", "s3", header[1], "marketing", "opt_out", "v-b", "web", "EU"]]
    ingest_file(store, "consent", write_consent(tmp_path / "first.csv", first))
    versions = metric_figure(store, "policy_versions", Filters(start=date(2024, 1, 1), end=date(2024, 3, 31)))
    assert dict(zip(versions.policy_version, versions.subjects_current, strict=True)) == {"v-a": 1, "v-b": 2}

    earlier = [["e5", "s4", "2024-01-15T10:00:00Z", "marketing", "opt_in", "v-b", "web", "EU"]]
    upload = ingest_file(store, "consent", write_consent(tmp_path / "earlier.csv", earlier)).upload_id
    versions = metric_figure(store, "policy_versions", Filters(start=date(2024, 1, 1), end=date(2024, 3, 31)))
    # v-b now takes effect first, so s3's tie goes to v-a.
    assert dict(zip(versions.policy_version, versions.subjects_current, strict=True)) == {"v-a": 2, "v-b": 2}
    assert_summaries_agree(store)
    remove_upload(store, int(upload))
    assert_summaries_agree(store)


def test_a_store_from_before_summaries_gets_them_on_open(tmp_path):
    from dashboard.store import SCHEMA_VERSION, open_store

    path = tmp_path / "old.duckdb"
    store = open_store(path)
    ingest_file(store, "consent", write_consent(tmp_path / "c.csv", consent_rows(random.Random(5), 100, 0)))
    expected = store.execute("SELECT sum(events) FROM consent_daily").fetchone()[0]
    # As a schema-3 store would be: no summary tables, no fill done.
    for table in SUMMARY_TABLES:
        store.execute(f"DROP TABLE {table} CASCADE")
    store.execute("UPDATE store_meta SET value = '3' WHERE key = 'schema_version'")
    store.execute("DELETE FROM store_meta WHERE key IN ('summaries_stale', 'definitions_sha256')")
    store.close()

    reopened = open_store(path)
    assert reopened.execute("SELECT sum(events) FROM consent_daily").fetchone()[0] == expected == 100
    assert reopened.execute("SELECT value FROM store_meta WHERE key = 'schema_version'").fetchone()[0] == str(SCHEMA_VERSION)


def test_a_store_from_before_the_per_value_summaries_gets_them_on_open(tmp_path):
    """A store the previous version wrote (its definitions older, no per-value summaries) gets them made and
    filled when it is next opened, before any page reads them."""
    from dashboard.store import open_store

    path = tmp_path / "before.duckdb"
    store = open_store(path)
    ingest_file(store, "consent", write_consent(tmp_path / "c.csv", consent_rows(random.Random(7), 120, 0)))
    expected = {table: sorted(store.execute(f"SELECT * FROM {table}").fetchall(), key=str)
                for table in ("consent_standing_slices", "policy_version_slices")}
    assert all(expected.values())
    for table in expected:
        store.execute(f"DROP TABLE {table}")
    store.execute("DELETE FROM store_meta WHERE key = 'definitions_sha256'")
    store.close()

    reopened = open_store(path)
    try:
        for table, rows in expected.items():
            assert sorted(reopened.execute(f"SELECT * FROM {table}").fetchall(), key=str) == rows, table
        filters = Filters(start=date(2024, 1, 1), end=date(2024, 7, 31), channels=("web",))
        assert history_paths(reopened, filters) == ("channel", "channel")
        for name in HISTORY_FIGURES:
            pd.testing.assert_frame_equal(metric_figure(reopened, name, filters),
                                          metric_figure(reopened, name, filters, straightforward=True),
                                          check_dtype=False, obj=name)
    finally:
        reopened.close()

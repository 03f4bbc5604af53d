"""Opt-out signals (metrics.md "Consent", opt-outs by method): how each choice was made (the `method` column), the
opt-outs by method per purpose and per region, and the share of opt-outs made by a Global Privacy Control signal,
counted by hand over March 2024.

tests/data/consent/methods.csv (canonical columns plus `method`):

| row | person | when (UTC)        | purpose   | decision | channel | region | method as written      | method key        |
|-----|--------|-------------------|-----------|----------|---------|--------|------------------------|-------------------|
| m1  | p1     | 3 Mar             | marketing | opt_out  | web     | US-CA  | GPC                    | gpc               |
| m2  | p1     | 20 Mar            | marketing | opt_out  | web     | US-CA  | Sec-GPC                | gpc               |
| m3  | p2     | 5 Mar             | marketing | opt_out  | web     | US-CA  | Banner                 | banner            |
| m4  | p3     | 6 Mar             | marketing | opt_out  | app     | EU     | Preference Center      | preference_centre |
| m5  | p4     | 7 Mar             | marketing | opt_out  | app     | EU     | (none)                 | not_recorded      |
| m6  | p5     | 8 Mar             | marketing | opt_in   | web     | US-CA  | banner                 | banner            |
| m7  | p6     | 9 Mar             | marketing | opt_in   | web     | EU     | cookie banner          | banner            |
| m8  | p7     | 10 Mar            | marketing | opt_in   | app     | US-CA  | email link             | email_link        |
| m9  | p8     | 11 Mar            | marketing | shown    | web     | US-CA  | banner                 | (no choice)       |
| m10 | p9     | 29 Feb 23:59      | marketing | opt_out  | web     | US-CA  | gpc                    | (before March)    |
| m11 | p9     | 1 Apr 00:30       | marketing | opt_out  | web     | US-CA  | gpc                    | (after March)     |
| r1  | p1     | 3 Mar             | research  | opt_out  | web     | US-CA  | global privacy control | gpc               |
| r2  | p10    | 12 Mar            | research  | opt_out  | app     | US-CA  | API                    | api               |
| r3  | p11    | 13 Mar            | research  | opt_in   | web     | US-CA  | Preference Centre      | preference_centre |
| r4  | p12    | 31 Mar 23:30      | research  | opt_in   | web     | US-CA  | an e-mail address      | not_recorded      |

Marketing in March: 5 opt-outs (m1-m5), 2 by GPC (both p1's: each choice counts), so 2 / 5 = 40.0%; m5 has no
method and stays in the denominator. Research: 2 opt-outs, 1 by GPC: 50.0%. By region, marketing in US-CA: 3
opt-outs (m1, m2, m3), 2 by GPC: 66.67%; in the EU: 2 (m4, m5), none by GPC: 0%.

tests/data/consent/fides_methods.csv is shaped as Fides' consent report (the header of
tests/data/vendors/fides_consent_report.csv; data/profiles/fides_consent.toml names the source: ethyca/fides at
96aa40cba74e44a369d637b056f08310132b65ba, ConsentReportingSchema.ts and ConsentMethod in
src/fides/api/models/privacy_preference.py). Its `method` and `request_origin` become a method key:

| row | method            | request_origin   | key               | decision | region |
|-----|-------------------|------------------|-------------------|----------|--------|
| f1  | gpc               | banner_and_modal | gpc               | opt_out  | us_ca  |
| f2  | reject            | banner_and_modal | banner            | opt_out  | us_ca  |
| f3  | save              | privacy_center   | preference_centre | opt_out  | us_ca  |
| f4  | save              | modal            | preference_centre | opt_out  | us_ca  |
| f5  | (none)            | overlay          | not_recorded      | opt_out  | us_ca  |
| f6  | script            | overlay          | script            | opt_out  | eea    |
| f7  | accept            | banner_and_modal | banner            | opt_in   | us_ca  |
| f8  | individual_notice | api              | api               | opt_in   | us_ca  |
| f9  | external_provider | banner_and_modal | external_provider | opt_out  | us_ca  |
| f10 | gpc               | tcf_overlay      | gpc               | opt_out  | us_ca  |
| f11 | dismiss           | (none)           | dismiss           | opt_out  | us_ca  |
| f12 | button            | privacy_center   | preference_centre | opt_out  | us_ca  |

Marketing: 10 opt-outs, 2 by GPC (f1, f10): 20.0%; in California 9, 2 by GPC: 22.22%.
"""

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from dashboard import metrics
from dashboard.charts import methods as method_charts
from dashboard.ingest import ingest_file
from dashboard.store import SCHEMA_VERSION, open_store
from tests.conftest import copy_store, dashboard, open_copy, open_page_for_range, store_with

DATA = Path(__file__).parent / "data" / "consent"
MARCH = (date(2024, 3, 1), date(2024, 3, 31))


@pytest.fixture(scope="module")
def methods_store_file(tmp_path_factory, empty_store_file):
    return store_with(tmp_path_factory, empty_store_file, ("consent", DATA / "methods.csv"))


@pytest.fixture(scope="module")
def fides_store_file(tmp_path_factory, empty_store_file):
    return store_with(tmp_path_factory, empty_store_file, ("consent", DATA / "fides_methods.csv"))


def by_method(store_file, folder, name="consent_by_method", **selections) -> dict:
    """{(purpose[, region], method): (opt_ins, opt_outs)} and {(purpose[, region]): (all, by GPC, share)}."""
    with open_copy(store_file, folder) as connection:
        frame = metrics.figure(connection, name, metrics.Filters(*MARCH, **selections))
    keys = ["purpose", "region"] if "region" in frame.columns else ["purpose"]
    counts = {tuple(row[key] for key in [*keys, "method"]): (row["opt_ins"], row["opt_outs"])
              for row in frame.to_dict("records")}
    shares = {tuple(row[key] for key in keys): (row["all_opt_outs"], row["gpc_opt_outs"], row["gpc_share"])
              for row in frame.to_dict("records")}
    return {"counts": counts, "shares": shares}


def test_opt_outs_by_method_and_the_gpc_share_per_purpose(methods_store_file, tmp_path):
    figures = by_method(methods_store_file, tmp_path)
    assert figures["counts"] == {
        ("marketing", "banner"): (2, 1), ("marketing", "email_link"): (1, 0), ("marketing", "gpc"): (0, 2),
        ("marketing", "not_recorded"): (0, 1), ("marketing", "preference_centre"): (0, 1),
        ("research_development", "api"): (0, 1), ("research_development", "gpc"): (0, 1),
        ("research_development", "not_recorded"): (1, 0), ("research_development", "preference_centre"): (1, 0),
    }
    assert figures["shares"] == {("marketing",): (5, 2, round(2 / 5, 4)),
                                 ("research_development",): (2, 1, round(1 / 2, 4))}


def test_the_gpc_share_per_region(methods_store_file, tmp_path):
    figures = by_method(methods_store_file, tmp_path, "consent_by_method_region")
    assert figures["shares"] == {("marketing", "EU"): (2, 0, 0.0), ("marketing", "US-CA"): (3, 2, round(2 / 3, 4)),
                                 ("research_development", "US-CA"): (2, 1, 0.5)}
    assert figures["counts"][("marketing", "EU", "not_recorded")] == (0, 1)


def test_the_filters_narrow_the_choices_first(methods_store_file, tmp_path):
    # The web channel keeps m1, m2, m3 of marketing's opt-outs (2 by GPC) and r1 of research's (by GPC).
    web = by_method(methods_store_file, tmp_path, channels=("web",))["shares"]
    assert web == {("marketing",): (3, 2, round(2 / 3, 4)), ("research_development",): (1, 1, 1.0)}
    # The EU region: marketing's m4 and m5, neither by GPC; research has no choice there.
    assert by_method(methods_store_file, tmp_path, regions=("EU",))["shares"] == {("marketing",): (2, 0, 0.0)}
    # Research in the EU: no choice at all, so no row.
    assert by_method(methods_store_file, tmp_path, purposes=("research_development",), regions=("EU",)) == {
        "counts": {}, "shares": {}}


def test_a_method_holding_an_address_is_not_stored_and_the_choice_counts_as_not_recorded(methods_store_file):
    connection = duckdb.connect(str(methods_store_file), read_only=True)
    try:
        assert connection.execute("SELECT method FROM consent WHERE event_id = 'r4'").fetchall() == [(None,)]
        assert connection.execute("SELECT count(*) FROM consent WHERE method LIKE '%@%'").fetchall() == [(0,)]
        warnings = connection.execute("SELECT warnings FROM uploads").fetchall()[0][0]
    finally:
        connection.close()
    assert any("method (1 row)" in warning for warning in warnings)


def test_fides_methods_become_method_keys(fides_store_file, tmp_path):
    figures = by_method(fides_store_file, tmp_path)
    assert figures["counts"] == {
        ("marketing", "api"): (1, 0), ("marketing", "banner"): (1, 1), ("marketing", "dismiss"): (0, 1),
        ("marketing", "external_provider"): (0, 1), ("marketing", "gpc"): (0, 2), ("marketing", "not_recorded"): (0, 1),
        ("marketing", "preference_centre"): (0, 3), ("marketing", "script"): (0, 1),
    }
    assert figures["shares"] == {("marketing",): (10, 2, 0.2)}
    regions = by_method(fides_store_file, tmp_path, "consent_by_method_region")["shares"]
    assert regions == {("marketing", "EU"): (1, 0, 0.0), ("marketing", "US-CA"): (9, 2, round(2 / 9, 4))}


def test_metrics_carries_the_methods_and_hides_small_counts(methods_store_file):
    document = json.loads(dashboard("metrics", "--start", "2024-03-01", "--end", "2024-03-31", "--min-cell", "0",
                                    db=methods_store_file).stdout)
    methods = document["consent"]["methods"]
    assert {"purpose": "marketing", "method": "gpc", "opt_ins": 0, "opt_outs": 2, "all_opt_outs": 5,
            "gpc_opt_outs": 2, "gpc_share": 0.4} in methods["by_purpose"]
    assert len(methods["by_region"]) == 10
    hidden = json.loads(dashboard("metrics", "--start", "2024-03-01", "--end", "2024-03-31", "--min-cell", "3",
                                  db=methods_store_file).stdout)["consent"]["methods"]["by_purpose"]
    # Marketing's 5 opt-outs stand and so does its share; its 2 by GPC read <3. Research's 2 opt-outs are under 3:
    # its share is left out.
    marketing_gpc = next(row for row in hidden if (row["purpose"], row["method"]) == ("marketing", "gpc"))
    assert marketing_gpc == {"purpose": "marketing", "method": "gpc", "opt_ins": 0, "opt_outs": "<3",
                             "all_opt_outs": 5, "gpc_opt_outs": "<3", "gpc_share": 0.4}
    assert {(row["all_opt_outs"], row["gpc_share"]) for row in hidden if row["purpose"] == "research_development"} == {
        ("<3", None)}


def test_a_store_of_schema_9_opens_with_its_choices_and_no_method(tmp_path, empty_store_file):
    """A store as schema 9 wrote it: today's store without the consent table's `method` column."""
    path = copy_store(empty_store_file, tmp_path)
    earlier = tmp_path / "earlier.csv"
    earlier.write_text("event_id,subject_id,occurred_at,purpose,decision\n"
                       "old1,p20,2024-03-10T10:00:00Z,marketing,opt_out\n"
                       "old2,p21,2024-03-12T10:00:00Z,marketing,opt_in\n")
    connection = open_store(path)
    try:
        ingest_file(connection, "consent", earlier)
    finally:
        connection.close()
    with duckdb.connect(str(path)) as old:
        old.execute("ALTER TABLE consent DROP COLUMN method")
        old.execute("UPDATE store_meta SET value = '9' WHERE key = 'schema_version'")
        rows_before = old.execute("SELECT event_id, purpose, decision FROM consent ORDER BY event_id").fetchall()

    store = open_store(path)
    try:
        assert SCHEMA_VERSION == 10
        assert store.execute("SELECT value FROM store_meta WHERE key = 'schema_version'").fetchall() == [("10",)]
        assert store.execute("SELECT event_id, purpose, decision FROM consent ORDER BY event_id").fetchall() == \
            rows_before
        assert store.execute("SELECT count(*), count(method) FROM consent").fetchall() == [(2, 0)]
        # No choice records a method: the figure has no row, and the page says so.
        assert metrics.figure(store, "consent_by_method", metrics.Filters(*MARCH)).empty
        # A file with methods loads into it: marketing's 5 March opt-outs, 2 by GPC.
        ingest_file(store, "consent", DATA / "methods.csv")
        shares = metrics.figure(store, "consent_by_method", metrics.Filters(*MARCH))
        marketing = shares[shares["purpose"] == "marketing"].iloc[0]
        # With the earlier opt-out old1 (10 March, no method recorded): 6 opt-outs, 2 by GPC.
        assert (marketing["all_opt_outs"], marketing["gpc_opt_outs"], marketing["gpc_share"]) == (
            6, 2, round(2 / 6, 4))
    finally:
        store.close()


@pytest.fixture
def app_store(methods_store_file, tmp_path):
    """The AppTest dashboard (conftest.app) on a copy of the methods store."""
    return copy_store(methods_store_file, tmp_path)


def test_the_consent_page_shows_how_people_opted_out(app):
    open_page_for_range(app, "views/consent.py", *MARCH)
    assert "How people opted out" in [header.value for header in app.subheader]
    tiles = {metric.label: (metric.value, metric.delta) for metric in app.metric
             if metric.label.endswith("opt-outs by GPC signal")}
    assert tiles == {"Marketing: opt-outs by GPC signal": ("40.0%", "2 of 5 opt-outs"),
                     "Research and development: opt-outs by GPC signal": ("50.0%", "1 of 2 opt-outs")}
    (regions,) = [frame.value for frame in app.dataframe if "Share by GPC signal" in frame.value.columns
                  and "Region" in frame.value.columns]
    assert regions[["Purpose", "Region", "Opt-outs of the purpose", "By GPC signal"]].values.tolist() == [
        ["Marketing", "EU", 2, 0], ["Marketing", "US-CA", 3, 2], ["Research and development", "US-CA", 2, 1]]
    assert regions["Share by GPC signal"].round(1).tolist() == [0.0, 66.7, 50.0]


def test_the_chart_stacks_each_purpose_s_opt_outs_by_method_gpc_first(methods_store_file, tmp_path):
    with open_copy(methods_store_file, tmp_path) as connection:
        frame = metrics.figure(connection, "consent_by_method", metrics.Filters(*MARCH))
    spec = method_charts.opt_outs_by_method_chart(method_charts.with_labels(frame), "in March 2024").to_dict()
    bars, beside = spec["layer"]
    colour = bars["encoding"]["color"]
    # The methods with opt-outs (the e-mail link brought opt-ins only), in the catalogue's order, GPC first in its own
    # colour, Not recorded last.
    assert colour["legend"]["values"] == ["gpc", "banner", "preference_centre", "api", "not_recorded"]
    assert dict(zip(colour["scale"]["domain"], colour["scale"]["range"], strict=True))["gpc"] == "#D55E00"
    # Beside each purpose's bar: its opt-outs and their share by GPC signal.
    written = [row["beside"] for row in spec["datasets"][beside["data"]["name"]]]
    assert written == ["5 · GPC 40.0%", "2 · GPC 50.0%"]


def test_a_column_named_method_is_offered_as_the_method_not_the_channel():
    from dashboard.formats import suggested_sources

    suggested = suggested_sources("consent", ["user_id", "timestamp", "purpose", "decision", "Method", "Origin"])
    assert (suggested["method"], suggested["channel"]) == ("Method", "Origin")


def test_the_words_file_folds_a_tool_s_own_spelling_of_a_method(store, tmp_path, monkeypatch):
    words = tmp_path / "words.toml"
    words.write_text('[method]\n"do not sell link" = "preference_centre"\n', encoding="utf-8")
    monkeypatch.setenv("PRIVACY_DASHBOARD_WORDS", str(words))
    export = tmp_path / "choices.csv"
    export.write_text("subject_id,occurred_at,purpose,decision,method\n"
                      "p1,2024-03-02T10:00:00Z,marketing,opt_out,Do-Not-Sell Link\n"
                      "p2,2024-03-03T10:00:00Z,marketing,opt_out,Chat Bot\n", encoding="utf-8")
    ingest_file(store, "consent", export)
    # The words file's spelling becomes its key; a spelling no word names is kept as its folded self.
    assert store.execute("SELECT method FROM consent ORDER BY occurred_at").fetchall() == [
        ("preference_centre",), ("chat_bot",)]

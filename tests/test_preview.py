"""Previewing a file before loading it: the same normalisation, nothing stored."""

import re

from dashboard.ingest import preview_file


def test_preview_shows_normalised_rows_and_rejects_and_stores_nothing(store, tmp_path):
    export = tmp_path / "tool.csv"
    export.write_text(
        "Person,When,What,Choice\n"
        "u1,06/01/2023 10:00,Marketing,yes\n"
        "u2,06/02/2023,Research & Development,nope\n"
        "u3,,marketing,no\n"
    )
    mapping = {"subject_id": "Person", "occurred_at": "When", "purpose": "What", "decision": "Choice"}
    preview = preview_file(store, "consent", export, mapping=mapping, date_order="dmy")
    assert (preview.format, preview.rows_read, preview.rows_rejected) == ("mapped", 3, 2)
    assert preview.date_orders == {"occurred_at": "dmy"}
    row = preview.rows.iloc[0]
    # Every subject becomes a keyed pseudonym, `p_` and 32 hex digits, whatever it looks like.
    assert re.fullmatch(r"p_[0-9a-f]{32}", row["subject_id"])
    assert (str(row["occurred_at"]), row["purpose"], row["decision"]) == (
        "2023-01-06 10:00:00", "marketing", "opt_in")
    assert preview.rejects[["line", "column_name", "reason"]].values.tolist() == [
        [3, "decision", "decision is not opt_in, opt_out, acknowledge or shown, nor a synonym of one"],
        [4, "occurred_at", "occurred_at is empty"],
    ]
    assert store.execute("SELECT (SELECT count(*) FROM consent), (SELECT count(*) FROM uploads)").fetchall() == [(0, 0)]


def test_likely_columns_prefer_exact_names_and_never_take_any_id_for_event_id():
    from dashboard.formats import suggested_sources

    assert suggested_sources("consent", ["User ID", "Event Time", "Category", "Choice"]) == {
        "event_id": None, "subject_id": "User ID", "occurred_at": "Event Time", "purpose": "Category",
        "decision": "Choice", "policy_version": None, "channel": None, "region": None, "method": None,
    }
    assert suggested_sources("requests", ["Ticket ID", "Type", "Date Received", "State"])["request_id"] == "Ticket ID"

"""All request types together: the figures behind the Overview's requests tiles."""

from datetime import date

from dashboard.ingest import ingest_file
from dashboard.metrics import Filters, figure


def test_summary_over_all_types(store, tmp_path):
    export = tmp_path / "requests.csv"
    export.write_text(
        "request_id,request_type,received_at,status,closed_at,jurisdiction\n"
        "a,access,2024-01-02,completed,2024-01-12,CCPA\n"  # 10 days, due 2024-02-16: on time
        "b,deletion,2024-01-02,denied,2024-03-01,CCPA\n"  # 59 days, due 2024-02-16: late
        "c,access+deletion,2024-01-03,completed,2024-01-07,GDPR\n"  # 4 days twice, due 2024-02-03: on time
        "d,access,2024-01-04,withdrawn,2024-01-05,CCPA\n"  # withdrawn: received, never in day figures
        "e,access,2024-01-05,open,,CCPA\n"
        "f,access,2023-12-31,completed,2024-01-02,CCPA\n"  # received before the range
    )
    ingest_file(store, "requests", export)
    row = figure(store, "requests_summary", Filters(date(2024, 1, 1), date(2024, 3, 31))).iloc[0]
    # received: a, b, c twice, d, e = 6; closed with days: a (10), b (59), c (4), c (4)
    assert (row["received"], row["closed"]) == (6, 4)
    assert row["median_days_to_close"] == 7.0  # (4 + 10) / 2
    assert row["mean_days_to_close"] == 19.25  # (10 + 59 + 4 + 4) / 4
    assert row["on_time_rate"] == 0.75  # a and c twice of four


def test_summary_agrees_with_the_per_type_table_on_the_sample(sample_store_file, sample_metrics):
    from dashboard.store import open_store

    connection = open_store(sample_store_file)
    try:
        filters = Filters(date.fromisoformat(sample_metrics["range"]["start"]),
                          date.fromisoformat(sample_metrics["range"]["end"]))
        row = figure(connection, "requests_summary", filters).iloc[0]
    finally:
        connection.close()
    by_type = sample_metrics["requests"]["by_type"]
    assert row["received"] == sum(item["received"] for item in by_type)
    rates = [item["on_time_rate"] for item in by_type if item["on_time_rate"] is not None]
    assert min(rates) <= row["on_time_rate"] <= max(rates)

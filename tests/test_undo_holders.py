"""Undoing an upload keeps what another upload still holds: a row goes only when no other upload still in
the store brought it too, and the confirmation can say beforehand how many rows go and how many stay."""

from pathlib import Path

from dashboard.ingest import ingest_file
from dashboard.store import removal_preview, remove_upload
from tests.test_summaries import assert_kept_summaries_are_fresh

CONSENT_HEADER = "event_id,subject_id,occurred_at,purpose,decision,policy_version,channel,region\n"
# One decision per event number: subjects C-1 .. C-3 repeat, so the standing figures follow them.
DECISIONS = {
    1: "C-1,2024-01-05T10:00:00Z,marketing,opt_in,2024-01-01,web,EU",
    2: "C-2,2024-01-06T10:00:00Z,marketing,opt_out,2024-01-01,app,EU",
    3: "C-1,2024-02-07T10:00:00Z,marketing,opt_out,2024-01-01,web,EU",
    4: "C-3,2024-02-08T10:00:00Z,analytics,opt_in,2024-01-01,web,US-CA",
    5: "C-2,2024-03-09T10:00:00Z,marketing,opt_in,2024-01-01,web,EU",
    6: "C-3,2024-03-10T10:00:00Z,analytics,opt_out,2024-01-01,app,US-CA",
}


def consent_file(folder: Path, name: str, events: list[int]) -> Path:
    path = folder / name
    path.write_text(CONSENT_HEADER + "".join(f"e{number},{DECISIONS[number]}\n" for number in events))
    return path


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def owners(store) -> dict[str, int]:
    """Each stored consent row's event id and the upload its upload_id names."""
    return dict(store.execute("SELECT event_id, upload_id FROM consent ORDER BY 1").fetchall())


def test_the_same_file_twice_keeps_its_rows_until_both_uploads_are_undone(store, tmp_path):
    first = ingest_file(store, "consent", consent_file(tmp_path, "april.csv", [1, 2, 3, 4]))
    again = ingest_file(store, "consent", consent_file(tmp_path, "april-again.csv", [1, 2, 3, 4]))
    assert (first.rows_loaded, first.rows_duplicate) == (4, 0)
    assert (again.rows_loaded, again.rows_duplicate) == (0, 4)
    a, b = int(first.upload_id), int(again.upload_id)

    # Each of the four rows is held by the other upload too: none goes with either alone.
    assert removal_preview(store, a) == (0, 4)
    assert removal_preview(store, b) == (0, 4)

    removed = remove_upload(store, a)
    assert (removed.rows_removed, removed.rows_staying) == (0, 4)
    assert owners(store) == {"e1": b, "e2": b, "e3": b, "e4": b}
    assert_kept_summaries_are_fresh(store)

    # Now B alone holds them: undoing it takes all four.
    assert removal_preview(store, b) == (4, 0)
    removed = remove_upload(store, b)
    assert (removed.rows_removed, removed.rows_staying) == (4, 0)
    assert owners(store) == {}
    assert store.execute("SELECT count(*) FROM consent_holders").fetchall() == [(0,)]
    assert_kept_summaries_are_fresh(store)


def test_undoing_the_duplicate_upload_first_leaves_the_rows_with_the_first(store, tmp_path):
    first = ingest_file(store, "consent", consent_file(tmp_path, "april.csv", [1, 2, 3, 4]))
    again = ingest_file(store, "consent", consent_file(tmp_path, "april-again.csv", [1, 2, 3, 4]))
    a = int(first.upload_id)

    removed = remove_upload(store, int(again.upload_id))
    assert (removed.rows_removed, removed.rows_staying) == (0, 4)
    assert owners(store) == {"e1": a, "e2": a, "e3": a, "e4": a}
    # The undone upload holds nothing any more: A alone decides now.
    assert removal_preview(store, a) == (4, 0)


def test_an_overlapping_export_keeps_the_rows_it_shares(store, tmp_path):
    # A brings e1..e4, B brings e3..e6: e3 and e4 are in both.
    first = ingest_file(store, "consent", consent_file(tmp_path, "jan-feb.csv", [1, 2, 3, 4]))
    second = ingest_file(store, "consent", consent_file(tmp_path, "feb-mar.csv", [3, 4, 5, 6]))
    assert (second.rows_loaded, second.rows_duplicate) == (2, 2)
    a, b = int(first.upload_id), int(second.upload_id)
    assert_kept_summaries_are_fresh(store)

    # Undoing A: e1, e2 only A brought (2 go); e3, e4 B holds too (2 stay).
    assert removal_preview(store, a) == (2, 2)
    removed = remove_upload(store, a)
    assert (removed.rows_removed, removed.rows_staying) == (2, 2)
    assert owners(store) == {"e3": b, "e4": b, "e5": b, "e6": b}
    assert_kept_summaries_are_fresh(store)
    # The figures are those of B's export alone: four decisions, three of them choices in marketing.
    marketing = store.execute(
        "SELECT count(*) FROM consent WHERE purpose = 'marketing' AND decision IN ('opt_in', 'opt_out')").fetchall()
    assert marketing == [(2,)]  # e3 (C-1 opt_out) and e5 (C-2 opt_in)

    removed = remove_upload(store, b)
    assert (removed.rows_removed, removed.rows_staying) == (4, 0)
    assert owners(store) == {}
    assert_kept_summaries_are_fresh(store)


def test_a_third_upload_keeps_a_row_when_the_first_two_go(store, tmp_path):
    uploads = [int(ingest_file(store, "consent", consent_file(tmp_path, f"copy{number}.csv", [1])).upload_id)
               for number in range(3)]
    remove_upload(store, uploads[0])
    assert owners(store) == {"e1": uploads[1]}
    assert removal_preview(store, uploads[1]) == (0, 1)
    remove_upload(store, uploads[1])
    assert owners(store) == {"e1": uploads[2]}
    assert removal_preview(store, uploads[2]) == (1, 0)


REQUESTS_HEADER = "request_id,request_type,received_at,status,closed_at,subject_id,jurisdiction\n"
R1_OPEN = "r1,access,2024-03-01,open,,C-1,US-CA\n"
R1_COMPLETED = "r1,access,2024-03-01,completed,2024-03-20,C-1,US-CA\n"
R2_OPEN = "r2,deletion,2024-03-02,open,,C-2,US-CA\n"


def current_requests(store) -> list[tuple]:
    return store.execute("SELECT request_id, status FROM requests ORDER BY 1").fetchall()


def test_a_request_another_upload_holds_stays_and_an_undone_change_goes_back(store, tmp_path):
    first = ingest_file(store, "requests", write(tmp_path, "a.csv", REQUESTS_HEADER + R1_OPEN))
    second = ingest_file(store, "requests", write(tmp_path, "b.csv", REQUESTS_HEADER + R1_OPEN + R2_OPEN))
    # B: r1 as stored already (a duplicate), r2 new.
    assert (second.rows_loaded, second.rows_duplicate) == (1, 1)
    a, b = int(first.upload_id), int(second.upload_id)

    assert removal_preview(store, a) == (0, 1)
    removed = remove_upload(store, a)
    assert (removed.rows_removed, removed.rows_staying) == (0, 1)
    assert current_requests(store) == [("r1", "open"), ("r2", "open")]
    assert store.execute("SELECT DISTINCT upload_id FROM request_versions").fetchall() == [(b,)]
    assert_kept_summaries_are_fresh(store)

    third = ingest_file(store, "requests", write(tmp_path, "c.csv", REQUESTS_HEADER + R1_COMPLETED))
    assert (third.rows_loaded, third.rows_duplicate) == (1, 0)
    assert current_requests(store) == [("r1", "completed"), ("r2", "open")]
    # C's version (r1 completed) no other upload brought: it goes, and r1 is open again.
    assert removal_preview(store, int(third.upload_id)) == (1, 0)
    removed = remove_upload(store, int(third.upload_id))
    assert (removed.rows_removed, removed.rows_staying) == (1, 0)
    assert current_requests(store) == [("r1", "open"), ("r2", "open")]
    assert_kept_summaries_are_fresh(store)

    # B brought both versions still stored: undoing it empties the store.
    assert removal_preview(store, b) == (2, 0)
    remove_upload(store, b)
    assert current_requests(store) == []
    assert store.execute("SELECT count(*) FROM request_holders").fetchall() == [(0,)]


def test_undoing_the_middle_change_of_a_request_leaves_the_status_the_others_brought(store, tmp_path):
    # A: r1 open; B: r1 completed; C: r1 open again (a change from B's, so a version of its own).
    ids = [int(ingest_file(store, "requests", write(tmp_path, f"{name}.csv", REQUESTS_HEADER + line)).upload_id)
           for name, line in (("a", R1_OPEN), ("b", R1_COMPLETED), ("c", R1_OPEN))]
    assert current_requests(store) == [("r1", "open")]
    # B's version (completed) only B brought; A and C each brought `open`, which the other holds too.
    assert [removal_preview(store, upload) for upload in ids] == [(0, 1), (1, 0), (0, 1)]

    remove_upload(store, ids[1])
    # A and C in a row brought the same status: one version, A's, that C holds too.
    assert store.execute("SELECT status, upload_id FROM request_versions").fetchall() == [("open", ids[0])]
    assert current_requests(store) == [("r1", "open")]
    remove_upload(store, ids[0])
    assert store.execute("SELECT status, upload_id FROM request_versions").fetchall() == [("open", ids[2])]
    assert removal_preview(store, ids[2]) == (1, 0)
    remove_upload(store, ids[2])
    assert current_requests(store) == []
    assert_kept_summaries_are_fresh(store)


POLICIES_HEADER = "policy_version,effective_date,title\n"


def test_a_policy_version_another_upload_holds_stays(store, tmp_path):
    ingest_file(store, "consent", consent_file(tmp_path, "consent.csv", [1, 2, 3, 4, 5, 6]))
    first = ingest_file(store, "policies", write(tmp_path, "p1.csv", POLICIES_HEADER + "2024-01-01,2024-01-01,Winter\n"))
    second = ingest_file(store, "policies", write(
        tmp_path, "p2.csv", POLICIES_HEADER + "2024-01-01,2024-01-01,Winter\n2024-03-01,2024-03-01,Spring\n"))
    assert (second.rows_loaded, second.rows_duplicate) == (1, 1)

    assert removal_preview(store, int(first.upload_id)) == (0, 1)
    remove_upload(store, int(first.upload_id))
    assert store.execute("SELECT policy_version, title FROM policies ORDER BY 1").fetchall() == [
        ("2024-01-01", "Winter"), ("2024-03-01", "Spring")]
    assert_kept_summaries_are_fresh(store)

    # C renames the January version; undoing C brings the name B holds back.
    third = ingest_file(store, "policies", write(tmp_path, "p3.csv", POLICIES_HEADER + "2024-01-01,2024-01-01,Renamed\n"))
    assert store.execute("SELECT title FROM policies WHERE policy_version = '2024-01-01'").fetchall() == [("Renamed",)]
    assert removal_preview(store, int(third.upload_id)) == (1, 0)
    remove_upload(store, int(third.upload_id))
    assert store.execute("SELECT policy_version, title FROM policies ORDER BY 1").fetchall() == [
        ("2024-01-01", "Winter"), ("2024-03-01", "Spring")]
    assert_kept_summaries_are_fresh(store)

    remove_upload(store, int(second.upload_id))
    assert store.execute("SELECT count(*) FROM policies").fetchall() == [(0,)]
    assert_kept_summaries_are_fresh(store)


def test_the_sample_removed_by_the_first_upload_holds_nothing(sample_store_file, tmp_path):
    from dashboard.store import open_store
    from tests.conftest import copy_store

    store = open_store(copy_store(sample_store_file, tmp_path))
    try:
        first = ingest_file(store, "consent", consent_file(tmp_path, "a.csv", [1, 2]))
        again = ingest_file(store, "consent", consent_file(tmp_path, "b.csv", [1, 2]))
        assert removal_preview(store, int(first.upload_id)) == (0, 2)
        remove_upload(store, int(first.upload_id))
        assert owners(store) == {"e1": int(again.upload_id), "e2": int(again.upload_id)}
    finally:
        store.close()

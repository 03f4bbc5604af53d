"""Ingest of canonical exports: every normalisation rule of the data contract, checked in the store."""

import gzip
from datetime import date, datetime

import pytest

from dashboard.ingest import UnusableFile, ingest_file
from tests.conftest import TEST_DATA, open_copy, store_and_reports

INGEST = "ingest"


def rows(store, sql, parameters=None):
    return store.execute(sql, parameters or {}).fetchall()


@pytest.fixture(scope="module")
def messy_once(tmp_path_factory, empty_store_file):
    """The messy consent export loaded once for the module: (store file, report). Tests read copies of it."""
    path, (report,) = store_and_reports(tmp_path_factory, empty_store_file,
                                        ("consent", TEST_DATA / INGEST / "consent_messy.csv"))
    return path, report


@pytest.fixture
def consent_loaded(messy_once):
    return messy_once[1]


@pytest.fixture
def messy_store(messy_once, tmp_path):
    """A connection to this test's own copy of the store holding the messy consent export."""
    with open_copy(messy_once[0], tmp_path) as connection:
        yield connection


def test_consent_counts_of_a_messy_export(consent_loaded):
    # 11 records: e5 (no time), e6 (maybe), e7 (no subject), e8 (31 April) rejected.
    assert (consent_loaded.rows_read, consent_loaded.rows_loaded, consent_loaded.rows_rejected) == (11, 7, 4)
    assert consent_loaded.rows_duplicate == 0


def test_offset_crossing_midnight_is_stored_as_the_next_utc_day(messy_store, consent_loaded):
    # 2024-03-31T23:30:00-02:00 is 2024-04-01 01:30 UTC.
    assert rows(messy_store, "SELECT occurred_at FROM consent WHERE event_id = 'e1'") == [(datetime(2024, 4, 1, 1, 30),)]


def test_epoch_seconds_and_milliseconds(messy_store, consent_loaded):
    # 1711929600 s and 1711929600000 ms are both 2024-04-01 00:00 UTC.
    assert rows(messy_store, "SELECT event_id, occurred_at FROM consent WHERE event_id IN ('e3', 'e4') ORDER BY 1") == [
        ("e3", datetime(2024, 4, 1)),
        ("e4", datetime(2024, 4, 1)),
    ]


def test_decisions_purposes_channels_and_regions_are_canonical(messy_store, consent_loaded):
    assert rows(
        messy_store, "SELECT event_id, purpose, decision, channel, region FROM consent ORDER BY length(event_id), event_id"
    ) == [
        ("e1", "marketing", "opt_in", "web", "US-CA"),
        ("e2", "research_development", "opt_out", "app", "DE"),
        ("e3", "research_development", "opt_in", "email", None),
        ("e4", "quality_control", "acknowledge", None, None),
        ("e9", "google_analytics", "opt_in", "web_kiosk", None),
        ("e10", "marketing", "opt_out", None, None),
        ("e11", "marketing", "opt_in", None, None),
    ]


def test_missing_policy_version_is_unknown(messy_store, consent_loaded):
    assert rows(messy_store, "SELECT policy_version, count(*) FROM consent GROUP BY 1 ORDER BY 1") == [
        ("2023-06-01", 2),
        ("unknown", 5),
    ]


def test_new_purpose_is_kept_and_reported(consent_loaded):
    assert "purposes not in the catalogue, kept as new purposes: google_analytics (1 row)" in consent_loaded.warnings


def test_rejected_rows_keep_line_column_value_and_reason(messy_store, consent_loaded):
    assert rows(messy_store, "SELECT line, column_name, value, reason FROM rejected_rows ORDER BY line") == [
        (6, "occurred_at", None, "occurred_at is empty"),
        (7, "decision", "maybe", "decision is not opt_in, opt_out, acknowledge or shown, nor a synonym of one"),
        (8, "subject_id", None, "subject_id is empty"),
        (9, "occurred_at", "2024-04-31", "occurred_at is not a date or time this dashboard reads"),
    ]


def test_direct_identifiers_never_reach_the_store(messy_store, consent_loaded, tmp_path):
    messy_store.execute("CHECKPOINT")
    raw = (tmp_path / "store.duckdb").read_bytes()
    for identifier in (b"ann@example.com", b"carol@example.com", b"bob@", b"555) 010"):
        assert identifier not in raw
    subjects = [subject for (subject,) in rows(messy_store, "SELECT subject_id FROM consent WHERE event_id IN ('e10', 'e11')")]
    assert all(subject.startswith("p_") and len(subject) == 34 for subject in subjects)
    assert "columns holding direct identifiers were not stored: email" in consent_loaded.warnings


def test_same_identifier_gets_the_same_pseudonym_in_another_upload(store, tmp_path):
    first, second = tmp_path / "one.csv", tmp_path / "two.csv"
    first.write_text("subject_id,occurred_at,purpose,decision\nDana@Example.com,2024-01-01,marketing,yes\n")
    second.write_text("subject_id,occurred_at,purpose,decision\n dana@example.com ,2024-02-01,marketing,no\n")
    ingest_file(store, "consent", first)
    ingest_file(store, "consent", second)
    assert rows(store, "SELECT count(DISTINCT subject_id), count(*) FROM consent") == [(1, 2)]


def test_requests_types_statuses_jurisdictions_and_flags(store, test_data):
    report = ingest_file(store, "requests", test_data / INGEST / "requests_messy.csv")
    # 9 records: r5 (status lost), r6 (no received_at), r7 (closed 3/40), r8 (extended maybe) rejected.
    # r1 is access+erasure: two stored rows.
    assert (report.rows_read, report.rows_loaded, report.rows_rejected, report.rows_duplicate) == (9, 6, 4, 0)
    assert rows(
        store, "SELECT request_id, request_type, status, jurisdiction, extended, channel FROM requests ORDER BY 1, 2"
    ) == [
        ("r1", "access", "completed", "CCPA", True, "web_form"),
        ("r1", "deletion", "completed", "CCPA", True, "web_form"),
        ("r2", "opt_out", "open", "CCPA", False, "email"),
        ("r3", "access", "completed", "GDPR", False, None),
        ("r4", "other", "completed", "unspecified", False, None),
        ("r9", "correction", "withdrawn", "GDPR", False, None),
    ]
    assert "request types not recognised, counted as ‘Other’: teleport (1 row)" in report.warnings
    assert "jurisdictions not recognised, counted as ‘No law recorded’: Narnia (1 row)" in report.warnings
    assert (
        "1 row has a closed status but no closed_at: kept, never overdue and not in the day figures (line 4)"
        in report.warnings
    )


def test_slash_dates_month_first_when_a_second_field_is_over_12(store, test_data):
    ingest_file(store, "requests", test_data / INGEST / "requests_messy.csv", date_order="dmy")
    # 3/14/2024 cannot be day-first, so the whole column is month-first whatever the user chose.
    assert rows(store, "SELECT received_at, closed_at FROM requests WHERE request_id = 'r1' LIMIT 1") == [
        (datetime(2024, 3, 14, 14, 30), datetime(2024, 3, 20))
    ]


def test_ambiguous_slash_dates_follow_the_chosen_order(store, tmp_path):
    export = tmp_path / "policies.csv"
    export.write_text("policy_version,effective_date\nv1,06/01/2023\nv2,05/02/2024\n")
    ingest_file(store, "policies", export, date_order="dmy")
    assert rows(store, "SELECT policy_version, effective_date FROM policies ORDER BY 1") == [
        ("v1", date(2023, 1, 6)),
        ("v2", date(2024, 2, 5)),
    ]


def test_day_first_column_is_detected(store, tmp_path):
    export = tmp_path / "consent.csv"
    export.write_text("subject_id,occurred_at,purpose,decision\na,25/12/2023 18:00,marketing,yes\nb,01/02/2024,marketing,no\n")
    report = ingest_file(store, "consent", export)
    assert rows(store, "SELECT decision, occurred_at FROM consent ORDER BY 2") == [
        ("opt_in", datetime(2023, 12, 25, 18, 0)),
        ("opt_out", datetime(2024, 2, 1)),
    ]
    assert not any("either way" in warning for warning in report.warnings)


CANONICAL_TEXT = (
    "subject_id;occurred_at;purpose;decision;channel\n"
    "s1;2024-01-05 10:00:00;Marketing;yes;\"web\nform\"\n"
    "s2;2024-01-06;Café Newsletter;no;store\n"
)


@pytest.mark.parametrize(
    "name, encode",
    [
        ("utf8.csv", lambda text: text.encode("utf-8")),
        ("utf8-bom.csv", lambda text: b"\xef\xbb\xbf" + text.encode("utf-8")),
        ("utf16.csv", lambda text: text.encode("utf-16")),
        ("windows1252.csv", lambda text: text.encode("cp1252")),
        ("gzipped.csv.gz", lambda text: gzip.compress(text.encode("utf-8"))),
        ("tabs.csv", lambda text: text.replace(";", "\t").encode("utf-8")),
        ("pipes.csv", lambda text: text.replace(";", "|").encode("utf-8")),
        ("commas-crlf.csv", lambda text: text.replace(";", ",").replace("\n", "\r\n").encode("utf-8")),
    ],
)
def test_encodings_delimiters_and_compression(store, tmp_path, name, encode):
    export = tmp_path / name
    export.write_bytes(encode(CANONICAL_TEXT))
    report = ingest_file(store, "consent", export)
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (2, 2, 0)
    # The quoted field with a line break is one record (its channel folded to one key); é survives.
    assert rows(store, "SELECT purpose, channel FROM consent ORDER BY occurred_at") == [
        ("marketing", "web_form"),
        ("café_newsletter", "store"),
    ]


def test_blank_lines_are_skipped_and_not_counted(store, tmp_path):
    export = tmp_path / "blank.csv"
    export.write_text("\nsubject_id,occurred_at,purpose,decision\n\na,2024-01-01,marketing,yes\n\n\nb,2024-01-02,marketing,no\n\n")
    report = ingest_file(store, "consent", export)
    assert (report.rows_read, report.rows_loaded) == (2, 2)


def test_header_only_file_is_usable_with_a_warning(store, tmp_path):
    export = tmp_path / "header.csv"
    export.write_text("subject_id,occurred_at,purpose,decision\n")
    report = ingest_file(store, "consent", export)
    assert (report.rows_read, report.rows_loaded) == (0, 0)
    assert report.warnings == ["the file has a header but no rows"]


def test_derived_event_id_makes_synonyms_one_decision(store, tmp_path):
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text("subject_id,occurred_at,purpose,decision\ns1,2024-01-01T10:00:00Z,Marketing,yes\n")
    second.write_text("Subject ID,Occurred At,Purpose,Decision\ns1,2024-01-01 12:00:00+02:00,marketing,opt_in\n")
    ingest_file(store, "consent", first)
    again = ingest_file(store, "consent", second)
    assert (again.rows_loaded, again.rows_duplicate) == (0, 1)
    assert rows(store, "SELECT count(*) FROM consent") == [(1,)]


def test_reupload_adds_nothing(store, test_data):
    ingest_file(store, "consent", test_data / INGEST / "consent_messy.csv")
    again = ingest_file(store, "consent", test_data / INGEST / "consent_messy.csv")
    assert (again.rows_read, again.rows_loaded, again.rows_duplicate, again.rows_rejected) == (11, 0, 7, 4)
    assert rows(store, "SELECT count(*) FROM consent") == [(7,)]


def test_later_export_updates_a_request_and_undo_restores_it(store, tmp_path):
    from dashboard.store import remove_upload

    header = "request_id,request_type,received_at,status,closed_at\n"
    early, late = tmp_path / "early.csv", tmp_path / "late.csv"
    early.write_text(header + "q1,access,2024-01-02,open,\nq2,deletion,2024-01-03,open,\n")
    late.write_text(header + "q1,access,2024-01-02,completed,2024-01-20\nq2,deletion,2024-01-03,open,\n"
                    "q3,access,2024-01-04,pending,\nq3,access,2024-01-04,done,2024-01-09\n")
    ingest_file(store, "requests", early)
    report = ingest_file(store, "requests", late)
    # q1 changed, q3 is new (its later line wins); q2 and q3's first line changed nothing.
    assert (report.rows_read, report.rows_loaded, report.rows_duplicate) == (4, 2, 2)
    assert rows(store, "SELECT request_id, status, closed_at FROM requests ORDER BY 1") == [
        ("q1", "completed", datetime(2024, 1, 20)),
        ("q2", "open", None),
        ("q3", "completed", datetime(2024, 1, 9)),
    ]
    remove_upload(store, int(report.upload_id))
    assert rows(store, "SELECT request_id, status, closed_at FROM requests ORDER BY 1") == [
        ("q1", "open", None),
        ("q2", "open", None),
    ]


def test_remove_undoes_exactly_one_upload(store, test_data, tmp_path):
    from dashboard.store import remove_upload

    ingest_file(store, "consent", test_data / INGEST / "consent_messy.csv")
    extra = tmp_path / "extra.csv"
    extra.write_text("subject_id,occurred_at,purpose,decision\nz1,2024-05-01,marketing,yes\nz2,2024-05-01,marketing,no\n")
    second = ingest_file(store, "consent", extra)
    removed = remove_upload(store, int(second.upload_id))
    assert removed.rows_removed == 2
    assert rows(store, "SELECT count(*), count(DISTINCT upload_id) FROM consent") == [(7, 1)]
    # The history keeps the undone upload, marked with who removed it.
    assert rows(store, "SELECT upload_id, removed_by IS NOT NULL, removed_at IS NOT NULL FROM uploads ORDER BY 1") == [
        (1, False, False), (2, True, True)]


UNUSABLE = [
    ("missing.csv", None, "missing.csv: no such file"),
    ("empty.csv", b"", "empty.csv: the file is empty"),
    ("blank.csv", b"\n\n  \n", "blank.csv: the file is empty"),
    ("workbook.csv", b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 100,
     "workbook.csv: is not a CSV file: it looks like a ZIP archive or Excel workbook (.xlsx); save it as CSV"),
    ("binary.csv", bytes(range(256)) * 4, "binary.csv: is not a text file (it contains NUL bytes); export it as CSV"),
    ("prose.csv", b"Dear team this is not a table\nat all\n",
     ("prose.csv: is not a delimited file: its first line has no comma, semicolon, tab or pipe "
      "(it is 29 characters long)")),
    ("columns.csv", b"id,type,date\n1,access,2024-01-01\n",
     ("columns.csv: columns ‘subject_id’, ‘occurred_at’, ‘purpose’, ‘decision’ are missing for a consent export; "
      "found: id, type, date")),
    ("allbad.csv", b"subject_id,occurred_at,purpose,decision\na,someday,marketing,yes\nb,2024-01-01,marketing,perhaps\n",
     ("allbad.csv: every one of its 2 rows was rejected; first: line 2: "
      "occurred_at is not a date or time this dashboard reads")),
]


@pytest.mark.parametrize("name, content, message", UNUSABLE, ids=[case[0] for case in UNUSABLE])
def test_unusable_files_are_refused_whole_with_one_line(messy_store, tmp_path, name, content, message):
    store = messy_store  # the messy consent export loaded: nothing of it may change
    before = rows(store, "SELECT (SELECT count(*) FROM consent), (SELECT count(*) FROM uploads), "
                         "(SELECT count(*) FROM rejected_rows), (SELECT value FROM store_meta WHERE key = 'store_version')")
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(UnusableFile) as refused:
        ingest_file(store, "consent", path)
    assert str(refused.value) == message
    assert "\n" not in str(refused.value)
    after = rows(store, "SELECT (SELECT count(*) FROM consent), (SELECT count(*) FROM uploads), "
                        "(SELECT count(*) FROM rejected_rows), (SELECT value FROM store_meta WHERE key = 'store_version')")
    assert after == before


def test_failure_mid_file_leaves_the_store_unchanged(store, test_data, monkeypatch):
    import dashboard.ingest

    def fail_after_rows_are_written(cursor, upload_id):
        # The consent rows of this upload are already inserted when this runs.
        assert cursor.execute("SELECT count(*) FROM consent WHERE upload_id = $id", {"id": upload_id}).fetchone()[0] == 7
        raise OSError("disk full")

    monkeypatch.setattr(dashboard.ingest, "_record_rejects", fail_after_rows_are_written)
    with pytest.raises(OSError):
        ingest_file(store, "consent", test_data / INGEST / "consent_messy.csv")
    assert rows(store, "SELECT (SELECT count(*) FROM consent), (SELECT count(*) FROM uploads), "
                       "(SELECT count(*) FROM rejected_rows)") == [(0, 0, 0)]


def test_malformed_records_are_set_aside_with_their_lines(store, tmp_path):
    export = tmp_path / "ragged.csv"
    export.write_text(
        "request_id,request_type,received_at,status\n"
        "m1,access,2024-01-05,open\n"
        "m2,access,2024-01-06\n"  # a field short
        "m3,access,2024-01-07,open,surplus\n"  # a field too many
        "m4,deletion,2024-01-08,open\n"
    )
    report = ingest_file(store, "requests", export)
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (4, 2, 2)
    assert rows(store, "SELECT line, reason FROM rejected_rows ORDER BY line") == [
        (3, "the line has fewer fields than the header"),
        (4, "the line has more fields than the header"),
    ]
    assert rows(store, "SELECT request_id FROM requests ORDER BY 1") == [("m1",), ("m4",)]


def test_an_unterminated_quote_loses_only_its_own_record(store, tmp_path):
    export = tmp_path / "quote.csv"
    export.write_text(
        "request_id,request_type,received_at,status,closed_at\n"
        "q1,access+erasure,2024-01-05,completed,2024-01-20\n"
        "q2,access,2024-01-06,open,\n"
        'q3,access,2024-01-07,open,"unterminated\n'
    )
    report = ingest_file(store, "requests", export)
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (3, 3, 1)
    assert rows(store, "SELECT line, reason FROM rejected_rows") == [
        (4, "a quote is not closed, or a quote inside a field is not doubled")
    ]

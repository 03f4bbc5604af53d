"""The store itself: where it lives, migrating an older store, refusing a newer one, the sample's lifecycle."""

import pytest

from dashboard.ingest import ingest_file
from dashboard.store import SCHEMA_VERSION, StoreError, open_store, remove_sample, sample_upload_ids, store_path


def test_path_comes_from_the_option_then_the_environment_then_the_default(monkeypatch, tmp_path):
    monkeypatch.setenv("PRIVACY_DASHBOARD_DB", str(tmp_path / "from-env.duckdb"))
    assert store_path(tmp_path / "given.duckdb") == tmp_path / "given.duckdb"
    assert store_path() == tmp_path / "from-env.duckdb"
    monkeypatch.delenv("PRIVACY_DASHBOARD_DB")
    assert store_path().parts[-2:] == ("data", "privacy.duckdb")


def test_a_version_1_store_is_migrated_and_keeps_its_rows(tmp_path, test_data):
    path = tmp_path / "old.duckdb"
    connection = open_store(path)
    ingest_file(connection, "policies", test_data / "ingest" / "policies.csv")
    # Make it look like a store written before the sample marker existed.
    connection.execute("ALTER TABLE uploads DROP COLUMN is_sample")
    connection.execute("UPDATE store_meta SET value = '1' WHERE key = 'schema_version'")
    connection.close()

    connection = open_store(path)
    assert connection.execute("SELECT value FROM store_meta WHERE key = 'schema_version'").fetchall() == [
        (str(SCHEMA_VERSION),)
    ]
    assert connection.execute("SELECT file_name, is_sample FROM uploads").fetchall() == [("policies.csv", False)]
    assert connection.execute("SELECT count(*) FROM policies").fetchall() == [(3,)]
    connection.close()


def test_a_store_from_a_newer_version_is_refused(tmp_path):
    path = tmp_path / "new.duckdb"
    connection = open_store(path)
    connection.execute("UPDATE store_meta SET value = '99' WHERE key = 'schema_version'")
    connection.close()
    with pytest.raises(StoreError) as refused:
        open_store(path)
    assert "written by a newer version of the dashboard (schema 99" in str(refused.value)


def test_a_file_that_is_no_store_is_refused_in_one_line(tmp_path):
    path = tmp_path / "notes.duckdb"
    path.write_text("these are my notes, not a database\n")
    with pytest.raises(StoreError) as refused:
        open_store(path)
    assert str(refused.value).startswith(f"{path}: not a store this program can read")


def test_the_first_real_upload_removes_the_sample(sample_store_file, tmp_path, test_data):
    from tests.conftest import copy_store

    connection = open_store(copy_store(sample_store_file, tmp_path))
    assert len(sample_upload_ids(connection)) == 3
    report = ingest_file(connection, "policies", test_data / "ingest" / "policies.csv")
    assert "the sample data was removed: the figures now show your data only" in report.warnings
    assert sample_upload_ids(connection) == []
    assert connection.execute("SELECT (SELECT count(*) FROM consent), (SELECT count(*) FROM requests), "
                              "(SELECT count(*) FROM uploads)").fetchall() == [(0, 0, 1)]
    connection.close()


def test_remove_sample_empties_a_sample_store(sample_store_file, tmp_path):
    from tests.conftest import copy_store

    connection = open_store(copy_store(sample_store_file, tmp_path))
    assert remove_sample(connection) == 3
    assert connection.execute("SELECT (SELECT count(*) FROM consent), (SELECT count(*) FROM uploads)").fetchall() == [
        (0, 0)
    ]
    connection.close()

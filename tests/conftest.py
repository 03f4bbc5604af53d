"""Shared fixtures: a real store file per test, and the folder of small test exports."""

from pathlib import Path

import pytest

from dashboard.store import open_store

TEST_DATA = Path(__file__).parent / "data"


@pytest.fixture
def store(tmp_path):
    connection = open_store(tmp_path / "store.duckdb")
    yield connection
    connection.close()


@pytest.fixture
def test_data() -> Path:
    return TEST_DATA

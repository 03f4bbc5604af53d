"""The named SQL files under queries/ and running them with bound parameters."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

QUERIES_DIR = Path(__file__).resolve().parent.parent / "queries"


@cache
def query_text(name: str) -> str:
    """The SQL of one named query (queries/NAME.sql)."""
    return (QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8")


@cache
def query_parameters(name: str) -> frozenset[str]:
    """The $names a query binds, comments left out (DuckDB refuses a value it has no place for)."""
    code = re.sub(r"--[^\n]*", "", query_text(name))
    return frozenset(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", code))


def run_query(connection, name: str, parameters: dict | None = None, *, straightforward: bool = False):
    """Run a named query on its own cursor with bound parameters; the whole result as a DataFrame.

    A cursor per query keeps concurrent sessions (Streamlit serves each on its own thread) apart.
    Only the parameters the query names are passed, so callers may hand over a shared filter dict.
    `straightforward` computes from the raw rows instead of the store's summaries (views.sql, from_summaries).
    """
    wanted = query_parameters(name)
    bound = {key: value for key, value in (parameters or {}).items() if key in wanted}
    cursor = connection.cursor()
    try:
        if straightforward:
            cursor.execute("SET VARIABLE straightforward = true")
        return cursor.execute(query_text(name), bound).df()
    finally:
        cursor.close()

"""The summaries the store keeps so that every page reads thousands of rows, not millions.

- consent_daily: consent rows per day, purpose, channel, region and decision;
- consent_version_days: consent rows per policy version and day (the catalogue's first-seen dates);
- consent_standing_days: per purpose and day, the change in standing consent (views.sql, consent_changes_of);
- consent_standing_slices: the same with each subject's history followed within one channel, or one
  region: what a filter of that one value shows (the dimension and slice columns name it);
- policy_version_days: per version and day, the change in subjects on it (views.sql, policy_version_changes_of);
- policy_version_slices: the same within one purpose, one channel or one region;
- request_fact_rows: the request facts (views.sql, request_facts_computed), with each denial's category.

They change in the same transaction as the rows they summarise, and are kept exact: counts by adding
and subtracting an upload's rows; the state changes by recomputing them for the subjects an upload
touches, with and without its rows, and adding the difference. The queries read them through the
macros of views.sql, which compute from the rows instead when `straightforward` is set or the filters
narrow each subject's history in a way no summary holds (two values of a filter, or two filters at once:
views.sql, history_summary). Their tables are defined with the store's others, in queries/schema.sql.
"""

from __future__ import annotations

# The additive summaries: table, the consent columns it counts by, and how each is computed.
COUNTS = (
    ("consent_daily", ("day", "purpose", "channel", "region", "decision"),
     "occurred_at::DATE AS day, purpose, channel, region, decision"),
    ("consent_version_days", ("policy_version", "day"), "policy_version, occurred_at::DATE AS day"),
)
# The state-change summaries: table, the macro that computes them from a table of consent rows, the
# filters it is kept per value of (None: one history per subject), its keys and its values.
CHANGES = (
    ("consent_standing_days", "consent_changes_of", (None,), ("purpose", "day"), ("new_subjects", "opt_in_change")),
    ("consent_standing_slices", "consent_changes_of", ("channel", "region"), ("dimension", "slice", "purpose", "day"),
     ("new_subjects", "opt_in_change")),
    ("policy_version_days", "policy_version_changes_of", (None,), ("policy_version", "day"), ("change",)),
    ("policy_version_slices", "policy_version_changes_of", ("purpose", "channel", "region"),
     ("dimension", "slice", "policy_version", "day"), ("change",)),
)
# A version's effective date decides who is on what at a tie: these follow the policy catalogue.
FOLLOW_CATALOGUE = ("policy_version_days", "policy_version_slices")
ALL_TIME = "DATE '2999-12-31'"


def rebuild(cursor) -> None:
    """Inside the caller's transaction: compute every summary afresh from the stored rows."""
    for table, _keys, columns in COUNTS:
        cursor.execute(f"DELETE FROM {table}")
        cursor.execute(f"INSERT INTO {table} SELECT {columns}, count(*) FROM consent GROUP BY ALL")
    for table, *_definition in CHANGES:
        _rebuild_changes(cursor, table, "consent")
    refresh_requests(cursor)


def refresh_requests(cursor) -> None:
    """Inside the caller's transaction: the request facts afresh (after requests, deadlines or the denial-reason
    phrases change)."""
    cursor.execute("DELETE FROM request_fact_rows")
    # In order of receipt, so a range reads only the row groups it needs. By name: a column a migration added
    # stands last in the table, wherever the view computes it.
    cursor.execute("INSERT INTO request_fact_rows BY NAME SELECT * FROM request_facts_computed ORDER BY received_at")


def refresh_policies(cursor) -> None:
    """Inside the caller's transaction: after the policies themselves change, the version summaries
    afresh, since an effective date decides which version a subject is on at a tie."""
    for table in FOLLOW_CATALOGUE:
        _rebuild_changes(cursor, table, "consent")


def consent_upload_added(cursor, upload_id: int, *, store_was_empty: bool) -> None:
    """Inside the caller's transaction, after an upload's consent rows were inserted."""
    if store_was_empty:
        rebuild(cursor)
        return
    _apply_upload(cursor, upload_id, sign=1)


def consent_upload_removing(cursor, upload_id: int) -> None:
    """Inside the caller's transaction, before an upload's consent rows are deleted."""
    _apply_upload(cursor, upload_id, sign=-1)


def _apply_upload(cursor, upload_id: int, sign: int) -> None:
    """Add (sign 1, rows already in) or take away (sign -1, rows still in) one upload's consent rows."""
    # Table and column names below come from the fixed tuples above; the upload id is bound.
    catalogue_before = _catalogue(cursor)
    for table, keys, columns in COUNTS:
        _merge(cursor, table, keys,
               f"SELECT {columns}, $sign * count(*) AS events FROM consent WHERE upload_id = $upload_id GROUP BY ALL",
               {"sign": sign, "upload_id": upload_id})
    cursor.execute(
        "CREATE OR REPLACE TEMP TABLE touched_subjects AS "
        "SELECT DISTINCT subject_id FROM consent WHERE upload_id = $upload_id", {"upload_id": upload_id})
    cursor.execute(
        "CREATE OR REPLACE TEMP VIEW touched_rows AS "
        "SELECT * FROM consent WHERE subject_id IN (SELECT subject_id FROM touched_subjects)")
    cursor.execute(
        f"CREATE OR REPLACE TEMP VIEW touched_rows_without AS "
        f"SELECT * FROM touched_rows WHERE upload_id <> {int(upload_id)}")
    # With the upload's rows minus without them is what the upload adds; removing takes it away.
    changed_catalogue = _catalogue(cursor) != catalogue_before
    for table, _macro, _slices, keys, values in CHANGES:
        if table in FOLLOW_CATALOGUE and changed_catalogue:
            # A new version or an earlier first-seen date can change who is on what at a tie.
            _rebuild_changes(cursor, table, "consent" if sign > 0 else "consent_without_upload", upload_id)
            continue
        signed = ", ".join(f"$sign * {name} AS {name}" for name in values)
        negated = ", ".join(f"-$sign * {name} AS {name}" for name in values)
        _merge(cursor, table, keys,
               f"""SELECT {", ".join(keys)}, {signed}
                   FROM ({_computed(table, 'touched_rows')})
                   UNION ALL
                   SELECT {", ".join(keys)}, {negated}
                   FROM ({_computed(table, 'touched_rows_without')})""",
               {"sign": sign})
    cursor.execute("DROP VIEW touched_rows_without")
    cursor.execute("DROP VIEW touched_rows")
    cursor.execute("DROP TABLE touched_subjects")


def _computed(table: str, source: str) -> str:
    """SQL for a state-change summary's rows (its keys and values) computed afresh from the consent rows
    of `source`: once, or once per filter it is kept per value of."""
    macro, slices, keys, values = next(
        (macro, slices, keys, values) for name, macro, slices, keys, values in CHANGES if name == table)
    columns = ", ".join((*keys, *values))
    return " UNION ALL ".join(
        f"SELECT {columns} FROM {macro}('{source}', {ALL_TIME}, NULL, NULL, NULL"
        + (f", slice_by := '{slice_by}')" if slice_by else ")")
        for slice_by in slices)


def _rebuild_changes(cursor, table: str, source: str, upload_id: int | None = None) -> None:
    values = next(values for name, _macro, _slices, _keys, values in CHANGES if name == table)
    nonzero = " OR ".join(f"{value} <> 0" for value in values)
    if source == "consent_without_upload":
        cursor.execute(f"CREATE OR REPLACE TEMP VIEW consent_without_upload AS "
                       f"SELECT * FROM consent WHERE upload_id <> {int(upload_id)}")
    cursor.execute(f"DELETE FROM {table}")
    cursor.execute(f"INSERT INTO {table} BY NAME SELECT * FROM ({_computed(table, source)}) WHERE {nonzero}")
    if source == "consent_without_upload":
        cursor.execute("DROP VIEW consent_without_upload")


def _merge(cursor, table: str, keys: tuple[str, ...], delta_query: str, parameters: dict) -> None:
    """Add signed rows (keys, then values in the table's order) to a summary; rows that come to
    nothing go."""
    cursor.execute(f"CREATE OR REPLACE TEMP TABLE summary_delta AS {delta_query}", parameters)
    columns = [row[0] for row in cursor.execute(f"DESCRIBE {table}").fetchall()]
    values = [column for column in columns if column not in keys]
    key_list = ", ".join(keys)
    sums = ", ".join(f"sum({value})::BIGINT AS {value}" for value in values)
    nonzero = " OR ".join(f"sum({value}) <> 0" for value in values)
    cursor.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE summary_merged AS
        SELECT {key_list}, {sums}
        FROM (SELECT {", ".join(columns)} FROM {table}
              UNION ALL BY NAME
              SELECT * FROM summary_delta)
        GROUP BY {key_list}
        HAVING {nonzero}
        """
    )
    cursor.execute(f"DELETE FROM {table}")
    cursor.execute(f"INSERT INTO {table} BY NAME SELECT * FROM summary_merged")
    cursor.execute("DROP TABLE summary_delta")
    cursor.execute("DROP TABLE summary_merged")


def _catalogue(cursor) -> list[tuple]:
    return cursor.execute("SELECT policy_version, effective_date FROM policy_catalogue ORDER BY ALL").fetchall()

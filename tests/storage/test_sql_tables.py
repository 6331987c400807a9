"""The SQL written once: record declarations, their derived statements, the dialects.

The contract suite proves the adapters behave; these tests pin the pieces that make
one copy of the SQL possible: each ``Table`` declaration matches the table its
migrations create in both dialects, the statements derived from it have as many
placeholders as values, and templates render to each dialect's spelling.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from storage_samples import account, client, session, signing_key, token

from backend_servers import postgres_backend
from gatehouse.storage.records import AccountRecord, SessionRecord
from gatehouse.storage.sql_dialect import SQLITE, postgres_dialect
from gatehouse.storage.sql_tables import ACCOUNTS, CLIENTS, SESSIONS, SIGNING_KEYS, TABLES, TOKENS
from gatehouse.storage.sqlite import SQLiteStore


def _sqlite_columns(tmp_path: Path) -> dict[str, list[str]]:
    SQLiteStore(tmp_path / "g.db").close()
    conn = sqlite3.connect(tmp_path / "g.db")
    try:
        return {
            t.name: [r[1] for r in conn.execute(f"PRAGMA table_info({t.name})")] for t in TABLES
        }
    finally:
        conn.close()


def _postgres_columns(request: pytest.FixtureRequest) -> dict[str, list[str]]:
    with postgres_backend(request) as store, store._pool.connection() as conn:
        found = conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = %s ORDER BY table_name, ordinal_position",
            (store.schema,),
        ).fetchall()
    columns: dict[str, list[str]] = {}
    for table, column in found:
        columns.setdefault(table, []).append(column)
    return columns


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def migrated_columns(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """Each declared table's columns as the dialect's migrations created them."""
    if request.param == "sqlite":
        yield _sqlite_columns(tmp_path)
    else:
        yield _postgres_columns(request)


def test_every_declaration_matches_the_migrated_table(migrated_columns: Any) -> None:
    """Each Table names exactly the columns its migrations create, in both dialects."""
    for table in TABLES:
        assert sorted(migrated_columns[table.name]) == sorted(table.names), table.name


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_derived_statements_have_a_placeholder_per_value(table: Any) -> None:
    """INSERT and UPDATE carry one ? per value their parameters supply."""
    assert table.insert.count("?") == table.width == len(table.columns.split(","))
    update = table.update()
    assert update.sql.count("?") == table.width  # every non-key column, then the key
    assert update.sql.endswith("WHERE " + " AND ".join(f"{k} = ?" for k in table.key))


@pytest.mark.parametrize(
    ("table", "record"),
    [
        (ACCOUNTS, account("rt", email="rt@example.org", disabled=True)),
        (SESSIONS, session("a1", revoked_at=5.0, revoke_reason="logout")),
        (TOKENS, token("sid-1", "t0")),
        (CLIENTS, client("c-rt")),
        (SIGNING_KEYS, signing_key()),
    ],
    ids=["accounts", "sessions", "refresh_tokens", "clients", "signing_keys"],
)
def test_rows_round_trip_every_field(table: Any, record: Any) -> None:
    """to_row then from_row gives back an equal record, also from inside a joined row."""
    row = table.to_row(record)
    assert len(row) == table.width
    assert table.from_row(row) == record
    assert table.from_row(("before", *row, "after"), 1) == record


def test_update_params_follow_the_set_list_then_the_key() -> None:
    """A partial UPDATE's parameters are its SET columns in order, then the key."""
    session = SessionRecord(
        sid="s1",
        account_id="a1",
        audience="aud",
        scope=frozenset({"b", "a"}),
        created_at=1.0,
        last_used_at=2.0,
        idle_expires_at=3.0,
        absolute_expires_at=4.0,
    )
    touch = SESSIONS.update("last_used_at", "scope", where="revoked_at IS NULL")
    assert touch.sql == (
        "UPDATE $sessions SET last_used_at = ?, scope = ? WHERE sid = ? AND revoked_at IS NULL"
    )
    assert touch.params(session) == (2.0, '["a", "b"]', "s1")


def test_outer_join_miss_reads_as_none() -> None:
    """from_row_or_none is None where a LEFT JOIN found no row (its key is NULL)."""
    assert TOKENS.from_row_or_none((None,) * TOKENS.width) is None


def test_a_declaration_naming_an_unknown_field_is_refused() -> None:
    """A codec or key for a field the record lacks fails when the table is declared."""
    from gatehouse.storage.sql_tables import BOOL, Table

    with pytest.raises(ValueError, match="no such fields"):
        Table("accounts", AccountRecord, key=("account_id",), codecs={"disabld": BOOL})
    with pytest.raises(ValueError, match="no such columns"):
        ACCOUNTS.update("nickname")
    assert [f.name for f in dataclasses.fields(AccountRecord)] == list(ACCOUNTS.names)


def test_templates_render_to_each_dialect() -> None:
    """Placeholders, schema-qualified tables and GREATEST/LEAST in each spelling."""
    template = (
        "UPDATE $throttle_locks SET locked_until = GREATEST(locked_until, ?)"
        " WHERE key = ? AND LEAST(1, 2) < 3 AND note LIKE 'x%'"
    )
    assert SQLITE.render(template) == (
        "UPDATE throttle_locks SET locked_until = MAX(locked_until, ?)"
        " WHERE key = ? AND MIN(1, 2) < 3 AND note LIKE 'x%'"
    )
    assert postgres_dialect("gh").render(template) == (
        'UPDATE "gh".throttle_locks SET locked_until = GREATEST(locked_until, %s)'
        " WHERE key = %s AND LEAST(1, 2) < 3 AND note LIKE 'x%%'"
    )

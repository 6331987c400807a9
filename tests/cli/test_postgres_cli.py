"""The CLI against PostgreSQL: the same commands, the store named by environment."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest
from cli_helpers import Project

from backend_servers import POSTGRES_DSN, drop_pg_schema, postgres_down, unavailable

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_project(project: Project, monkeypatch: pytest.MonkeyPatch) -> Iterator[Project]:
    """The init'ed project, its store switched to a fresh PostgreSQL schema."""
    reason = postgres_down()
    if reason:
        unavailable("PostgreSQL", reason)
    schema = f"gh_test_cli_{secrets.token_hex(4)}"
    monkeypatch.setenv("GATEHOUSE_STORAGE_URL", POSTGRES_DSN)
    monkeypatch.setenv("GATEHOUSE_STORAGE_SCHEMA", schema)
    try:
        yield project
    finally:
        drop_pg_schema(schema)


def test_migrate_users_and_keys_on_postgres(pg_project: Project) -> None:
    """migrate reports the PostgreSQL schema version; users and keys land in that schema."""
    from gatehouse.storage.migrate import load_migrations
    from gatehouse.storage.postgres import PostgresStore

    versions = pg_project.json("migrate")["schema_versions"]
    assert versions == {"PostgresStore": len(load_migrations("postgres"))}  # the latest
    added = pg_project.add_user("carol", "read")
    assert [u["username"] for u in pg_project.json("users", "list")] == ["carol"]
    pg_project.json("keys", "rotate", "--force")
    store = PostgresStore(POSTGRES_DSN, schema=os.environ["GATEHOUSE_STORAGE_SCHEMA"], pool_size=1)
    try:
        account = store.find_account_by_username("carol")
        assert account is not None
        assert account.account_id == added["account_id"]
        assert {k.state.value for k in store.list_signing_keys()} >= {"active", "next"}
    finally:
        store.close()

"""An account-wide or client-wide revocation waits for a rotation in flight, and the
access token that rotation issued is INVALID in the status list afterwards.

A rotation holds its session's row lock (``FOR UPDATE OF t, s``) from its first statement
to its COMMIT and claims the new access token's status entry in between. The revocation
used to write the status bits first, from a snapshot taken before that claim committed,
and only then wait on the session's lock: the session ended revoked, yet the token issued
in that window stayed VALID for every verifier reading the status list (the sid's
deny-list entry still covered it, for verifiers that call home).

Here a plain connection plays the rotation in flight: it takes the same row locks, waits
until the revocation is blocked on them (read from ``pg_stat_activity``, not timed),
then claims the entry and commits, as the rotation's write statement does. PostgreSQL
only: SQLite's ``BEGIN IMMEDIATE`` lets one writer in at a time, so there is no window.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from storage_samples import NOW, account, client, session, token

from backend_servers import POSTGRES_DSN, postgres_backend

pytestmark = pytest.mark.postgres

WAIT_LIMIT = 30.0  # a broken test fails here; a working one is released in milliseconds


def _blocked_on_a_lock(watch: psycopg.Connection[Any], schema: str) -> bool:
    row = watch.execute(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE application_name = %s AND wait_event_type = 'Lock'",
        (f"gatehouse:{schema}"[:63],),
    ).fetchone()
    return bool(row and row[0])


def _wait_until_blocked(
    watch: psycopg.Connection[Any], schema: str, worker: threading.Thread
) -> None:
    """Poll the server (each poll one round trip, no sleep) until the store's connection
    waits for a lock; fail if the revocation finished or never got there."""
    give_up = time.monotonic() + WAIT_LIMIT
    while not _blocked_on_a_lock(watch, schema):
        assert worker.is_alive(), "the revocation did not wait for the rotation's lock"
        assert time.monotonic() < give_up, "the revocation never reached the session lock"


def _revoke_account(pg: Any, acct: str, _client: str) -> int:
    return int(pg.revoke_account_sessions(acct, now=NOW + 5, reason="admin_revoked"))


def _delete_client(pg: Any, _acct: str, client_id: str) -> int:
    return int(pg.delete_client(client_id, now=NOW + 5))


@pytest.mark.parametrize("revoke", [_revoke_account, _delete_client], ids=["account", "client"])
def test_the_token_a_rotation_in_flight_issued_is_invalid_after_the_revocation(
    revoke: Callable[[Any, str, str], int],
) -> None:
    """The revocation waits on the session's lock; the entry committed meanwhile is set."""
    with postgres_backend(None, pool_size=2) as pg:
        schema = pg.schema
        owner, app = account(), client()
        pg.create_account(owner)
        pg.create_client(app)
        live = session(owner.account_id, client_id=app.client_id)
        first = token(live.sid)
        pg.create_session(live, first)
        listed = pg.open_status_list(size=64, now=NOW)
        outcome: dict[str, Any] = {}

        def revocation() -> None:
            try:
                outcome["result"] = revoke(pg, owner.account_id, app.client_id)
            except BaseException as exc:  # reported by the assertion below
                outcome["error"] = exc

        with (
            psycopg.connect(POSTGRES_DSN, autocommit=True) as watch,
            psycopg.connect(POSTGRES_DSN) as rotation,  # one transaction until commit()
        ):
            rotation.execute(
                f'SELECT 1 FROM "{schema}".refresh_tokens t'
                f' JOIN "{schema}".sessions s ON s.sid = t.sid'
                " WHERE t.token_hash = %s FOR UPDATE OF t, s",
                (first.token_hash,),
            )
            worker = threading.Thread(target=revocation)
            worker.start()
            try:
                _wait_until_blocked(watch, schema, worker)
                rotation.execute(
                    f'INSERT INTO "{schema}".status_entries'
                    " (list_id, idx, jti, sid, account_id, client_id, expires_at, status)"
                    " VALUES (%s, 7, 'jti-new', %s, %s, %s, %s, 0)",
                    (listed.list_id, live.sid, owner.account_id, app.client_id, NOW + 300),
                )
                rotation.commit()
            finally:
                if worker.is_alive():
                    rotation.rollback()  # never leave the revocation waiting
                worker.join(WAIT_LIMIT)
        assert "error" not in outcome, outcome.get("error")
        assert outcome["result"]
        assert pg.invalid_indices(listed.list_id) == [7]
        assert [d.value for d in pg.pending_denials()] == [live.sid]

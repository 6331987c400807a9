"""PostgreSQL: a revocation whose status-bit write waits past lock_timeout changes nothing
(the session stays live, no bit, no outbox row); with the lock gone it goes through whole.
The same for a login's or a rotation's status-index claim (no session, no rotation)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from storage_samples import NOW, account, digest, rotation, session, token

from backend_servers import postgres_backend
from gatehouse.errors import StorageUnavailableError
from gatehouse.storage.status_records import StatusClaim, StatusEntryRecord

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg(request: pytest.FixtureRequest) -> Iterator[Any]:
    with postgres_backend(request, lock_timeout=0.3) as store:
        yield store


def _entry(sid: str) -> StatusEntryRecord:
    return StatusEntryRecord(1, 9, "jti-9", sid, "acct", "web", NOW + 300)


def _hold(holder: Any, schema: str) -> None:
    holder.execute(f"LOCK TABLE {schema}.status_entries IN EXCLUSIVE MODE")


def test_held_status_table_rolls_back_the_session_revocation(pg: Any, holder: Any) -> None:
    """revoke_session: the session update is rolled back with the blocked bit write."""
    s = session("acct")
    pg.create_session(s, token(s.sid))
    pg.open_status_list(size=64, now=NOW)
    pg.claim_status_index(_entry(s.sid), capacity=32)
    _hold(holder, pg.schema)
    with pytest.raises(StorageUnavailableError):
        pg.revoke_session(s.sid, now=NOW + 1, reason="logout")
    holder.rollback()
    assert pg.get_session(s.sid).revoked_at is None
    assert pg.invalid_indices(1) == []
    assert pg.pending_denials() == []
    assert pg.revoke_session(s.sid, now=NOW + 2, reason="logout")
    assert pg.invalid_indices(1) == [9]
    assert [d.value for d in pg.pending_denials()] == [s.sid]


def test_held_status_table_rolls_back_account_disable_and_reuse(pg: Any, holder: Any) -> None:
    """update_account(revoke) and a reuse-detecting rotation write nothing when blocked."""
    a = account()
    pg.create_account(a)
    s = session(a.account_id)
    pg.create_session(s, token(s.sid, "r0"))
    pg.open_status_list(size=64, now=NOW)
    pg.claim_status_index(_entry(s.sid), capacity=32)
    pg.rotate_refresh_token(rotation(digest("r0"), "r1", NOW + 1))
    _hold(holder, pg.schema)
    with pytest.raises(StorageUnavailableError):
        pg.update_account(a, revoke_sessions_at=NOW + 2, revoke_reason="disabled")
    with pytest.raises(StorageUnavailableError):
        pg.rotate_refresh_token(rotation(digest("r0"), "r2", NOW + 100))  # reuse
    holder.rollback()
    assert pg.get_session(s.sid).revoked_at is None
    assert pg.invalid_indices(1) == []
    assert pg.pending_denials() == []


def _claim(sid: str) -> StatusClaim:
    return StatusClaim(1, (9, 10), 32, "jti-new", sid, "acct", "web", NOW + 300)


def test_held_status_table_rolls_back_login_and_rotation_claims(pg: Any, holder: Any) -> None:
    """A session's index claim blocked past lock_timeout takes its session change with it:
    no session from create_session, the presented token still unspent after the rotation."""
    pg.open_status_list(size=64, now=NOW)
    s = session("acct")
    pg.create_session(s, token(s.sid, "r0"))
    _hold(holder, pg.schema)
    fresh = session("acct")
    with pytest.raises(StorageUnavailableError):
        pg.create_session(fresh, token(fresh.sid, "n0"), status=_claim(fresh.sid))
    with pytest.raises(StorageUnavailableError):
        pg.rotate_refresh_token(rotation(digest("r0"), "r1", NOW + 1, status=_claim(s.sid)))
    holder.rollback()
    assert pg.get_session(fresh.sid) is None
    assert pg.find_refresh_token(digest("n0")) is None
    assert pg.find_refresh_token(digest("r0")).spent_at is None
    assert pg.get_session(s.sid).last_used_at == NOW
    assert pg.get_status_list(1).claimed == 0
    done = pg.rotate_refresh_token(rotation(digest("r0"), "r1", NOW + 2, status=_claim(s.sid)))
    assert (done.status_idx, pg.get_status_list(1).claimed) == (9, 1)

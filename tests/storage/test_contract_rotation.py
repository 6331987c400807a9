"""Contract: SessionStore.rotate_refresh_token, every outcome, on every full adapter."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from storage_samples import NOW, digest, rotation, session, token

from gatehouse.errors import ConflictError
from gatehouse.storage.records import RotationOutcome, SessionRecord


def _family(store: Any, **changes: object) -> SessionRecord:
    s = session("a1", **changes)
    store.create_session(s, token(s.sid, "t0"))
    return s


def _state(store: Any, sid: str, names: list[str]) -> tuple[Any, ...]:
    return (store.get_session(sid), *(store.find_refresh_token(digest(n)) for n in names))


def test_rotation_spends_inserts_and_touches_session(store: Any) -> None:
    """ROTATED: the token is spent with its sealed successor, the successor is live."""
    s = _family(store)
    result = store.rotate_refresh_token(rotation(digest("t0"), "t1", NOW + 60))
    assert result.outcome is RotationOutcome.ROTATED
    spent = store.find_refresh_token(digest("t0"))
    assert spent.spent_at == NOW + 60
    assert spent.successor_hash == digest("t1")
    assert spent.sealed_successor == b"sealed:t1"
    fresh = store.find_refresh_token(digest("t1"))
    assert fresh.parent_hash == digest("t0")
    assert (fresh.sid, fresh.issued_at, fresh.spent_at) == (s.sid, NOW + 60, None)
    got = store.get_session(s.sid)
    assert (got.last_used_at, got.idle_expires_at) == (NOW + 60, NOW + 60 + 3600)
    assert (result.session, result.token, result.successor) == (got, spent, fresh)


def test_idle_deadline_never_passes_absolute(store: Any) -> None:
    """The new idle deadline is capped at the absolute expiry."""
    s = _family(store, absolute_expires_at=NOW + 100)
    store.rotate_refresh_token(rotation(digest("t0"), "t1", NOW + 50))
    assert store.get_session(s.sid).idle_expires_at == NOW + 100


def test_unknown_token(store: Any) -> None:
    """UNKNOWN for a hash never stored; nothing is inserted."""
    result = store.rotate_refresh_token(rotation(digest("ghost"), "t1", NOW))
    assert result.outcome is RotationOutcome.UNKNOWN
    assert result.session is None
    assert store.find_refresh_token(digest("t1")) is None


def test_revoked_session_refuses_and_writes_nothing(store: Any) -> None:
    """REVOKED when the family is revoked; the token stays unspent."""
    s = _family(store)
    store.revoke_session(s.sid, now=NOW + 1, reason="logout")
    before = _state(store, s.sid, ["t0", "t1"])
    result = store.rotate_refresh_token(rotation(digest("t0"), "t1", NOW + 2))
    assert result.outcome is RotationOutcome.REVOKED
    assert _state(store, s.sid, ["t0", "t1"]) == before


@pytest.mark.parametrize(
    ("changes", "at"),
    [({"idle_expires_at": NOW + 100}, NOW + 100), ({"absolute_expires_at": NOW + 50}, NOW + 50)],
)
def test_expired_session_refuses_and_writes_nothing(
    store: Any, changes: dict[str, float], at: float
) -> None:
    """EXPIRED exactly at the idle or absolute deadline; nothing changes."""
    s = _family(store, **changes)
    before = _state(store, s.sid, ["t0", "t1"])
    result = store.rotate_refresh_token(rotation(digest("t0"), "t1", at))
    assert result.outcome is RotationOutcome.EXPIRED
    assert _state(store, s.sid, ["t0", "t1"]) == before


def test_immediate_predecessor_within_grace(store: Any) -> None:
    """GRACE: replaying the parent of the live token within the window writes nothing."""
    s = _family(store)
    store.rotate_refresh_token(rotation(digest("t0"), "t1", NOW))
    before = _state(store, s.sid, ["t0", "t1", "t2"])
    result = store.rotate_refresh_token(rotation(digest("t0"), "t2", NOW + 10))
    assert result.outcome is RotationOutcome.GRACE
    assert result.token.sealed_successor == b"sealed:t1"
    assert result.successor.token_hash == digest("t1")
    assert _state(store, s.sid, ["t0", "t1", "t2"]) == before


def test_replay_after_window_revokes_family(store: Any) -> None:
    """REUSED: the parent replayed after the window revokes the session atomically."""
    s = _family(store)
    store.rotate_refresh_token(rotation(digest("t0"), "t1", NOW))
    result = store.rotate_refresh_token(rotation(digest("t0"), "t2", NOW + 10.5))
    assert result.outcome is RotationOutcome.REUSED
    got = store.get_session(s.sid)
    assert (got.revoked_at, got.revoke_reason) == (NOW + 10.5, "refresh_token_reused")
    assert store.find_refresh_token(digest("t2")) is None
    newest = store.rotate_refresh_token(rotation(digest("t1"), "t3", NOW + 11))
    assert newest.outcome is RotationOutcome.REVOKED


def test_older_ancestor_within_window_is_reuse(store: Any) -> None:
    """REUSED: a grandparent is never graced, even inside the window (dot #1617)."""
    s = _family(store)
    store.rotate_refresh_token(rotation(digest("t0"), "t1", NOW))
    store.rotate_refresh_token(rotation(digest("t1"), "t2", NOW + 1))
    result = store.rotate_refresh_token(rotation(digest("t0"), "t3", NOW + 2))
    assert result.outcome is RotationOutcome.REUSED
    assert store.get_session(s.sid).revoked_at == NOW + 2


def test_duplicate_successor_hash_conflicts_and_changes_nothing(store: Any) -> None:
    """A successor hash colliding with a stored token fails with nothing spent."""
    s = _family(store)
    other = session("a1")
    store.create_session(other, token(other.sid, "taken"))
    before = _state(store, s.sid, ["t0"])
    with pytest.raises(ConflictError):
        store.rotate_refresh_token(rotation(digest("t0"), "taken", NOW + 1))
    assert _state(store, s.sid, ["t0"]) == before
    assert store.rotate_refresh_token(rotation(digest("t0"), "t1", NOW + 2)).outcome is (
        RotationOutcome.ROTATED
    )


def test_chain_of_rotations(store: Any) -> None:
    """Many rotations in a row each succeed, and only the newest token is unspent."""
    s = _family(store)
    for i in range(20):
        r = store.rotate_refresh_token(rotation(digest(f"t{i}"), f"t{i + 1}", NOW + i))
        assert r.outcome is RotationOutcome.ROTATED
    assert store.find_refresh_token(digest("t20")).spent_at is None
    assert all(store.find_refresh_token(digest(f"t{i}")).spent_at is not None for i in range(20))
    assert store.get_session(s.sid).last_used_at == NOW + 19


def test_fifty_concurrent_rotations_rotate_exactly_once(store: Any) -> None:
    """50 threads rotating one token: one ROTATED, 49 GRACE, exactly one successor row."""
    s = _family(store)
    barrier = threading.Barrier(50)
    outcomes: list[RotationOutcome] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        barrier.wait()
        result = store.rotate_refresh_token(rotation(digest("t0"), f"next-{i}", NOW + 1))
        with lock:
            outcomes.append(result.outcome)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Counter(outcomes) == {RotationOutcome.ROTATED: 1, RotationOutcome.GRACE: 49}
    live = [i for i in range(50) if store.find_refresh_token(digest(f"next-{i}"))]
    assert len(live) == 1
    assert store.get_session(s.sid).revoked_at is None

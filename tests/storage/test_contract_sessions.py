"""Contract: SessionStore (except rotation), on every full adapter."""

from __future__ import annotations

from typing import Any

import pytest
from storage_samples import NOW, digest, session, token

from gatehouse.errors import ConflictError


def test_session_and_first_token_round_trip(store: Any) -> None:
    """create_session stores the session and its first refresh token together."""
    s = session("a1", client_id=None, scope=frozenset({"x", "y"}))
    t = token(s.sid, "first")
    store.create_session(s, t)
    assert store.get_session(s.sid) == s
    assert store.find_refresh_token(digest("first")) == t
    assert store.list_sessions("a1") == [s]


def test_unknown_session_and_token_are_none(store: Any) -> None:
    """Missing sessions and token hashes return None."""
    assert store.get_session("nope") is None
    assert store.find_refresh_token(digest("nope")) is None
    assert store.list_sessions("nobody") == []


def test_duplicate_sid_conflicts_and_inserts_no_token(store: Any) -> None:
    """A duplicate sid fails as a whole: the second token is not stored either."""
    s = session("a1")
    store.create_session(s, token(s.sid, "one"))
    with pytest.raises(ConflictError):
        store.create_session(session("a1", sid=s.sid), token(s.sid, "two"))
    assert store.find_refresh_token(digest("two")) is None
    assert store.list_sessions("a1") == [s]


def test_duplicate_token_hash_conflicts_and_inserts_no_session(store: Any) -> None:
    """A duplicate token hash fails as a whole: the new session is not stored."""
    s = session("a1")
    store.create_session(s, token(s.sid, "same"))
    other = session("a1")
    with pytest.raises(ConflictError):
        store.create_session(other, token(other.sid, "same"))
    assert store.get_session(other.sid) is None


def test_revoke_session_once(store: Any) -> None:
    """revoke_session is True the first time, False after, and records time and reason."""
    s = session("a1")
    store.create_session(s, token(s.sid))
    assert store.revoke_session(s.sid, now=NOW + 3, reason="logout") is True
    assert store.revoke_session(s.sid, now=NOW + 9, reason="again") is False
    assert store.revoke_session("unknown", now=NOW, reason="x") is False
    got = store.get_session(s.sid)
    assert (got.revoked_at, got.revoke_reason) == (NOW + 3, "logout")
    assert store.list_sessions("a1") == []
    assert store.list_sessions("a1", include_revoked=True) == [got]


def test_revoke_account_sessions_counts_and_spares_others(store: Any) -> None:
    """revoke_account_sessions revokes only that account's unrevoked sessions."""
    mine = [session("a1", created_at=NOW + i) for i in range(3)]
    theirs = session("a2")
    for s in [*mine, theirs]:
        store.create_session(s, token(s.sid))
    assert store.revoke_account_sessions("a1", now=NOW + 1, reason="logout_all") == 3
    assert store.revoke_account_sessions("a1", now=NOW + 2, reason="again") == 0
    assert store.get_session(theirs.sid).revoked_at is None
    assert [s.sid for s in store.list_sessions("a1", include_revoked=True)] == [s.sid for s in mine]


def test_purge_removes_dead_sessions_and_their_tokens(store: Any) -> None:
    """purge_sessions drops sessions revoked or expired before the cut-off, with tokens."""
    live = session("a1")
    expired = session("a1", idle_expires_at=NOW + 10)
    revoked = session("a1")
    for s, name in ((live, "l"), (expired, "e"), (revoked, "r")):
        store.create_session(s, token(s.sid, name))
    store.revoke_session(revoked.sid, now=NOW + 5, reason="logout")
    assert store.purge_sessions(before=NOW + 100) == 2
    assert store.get_session(expired.sid) is None
    assert store.get_session(revoked.sid) is None
    assert store.find_refresh_token(digest("e")) is None
    assert store.find_refresh_token(digest("r")) is None
    assert store.get_session(live.sid) == live
    assert store.find_refresh_token(digest("l")) is not None

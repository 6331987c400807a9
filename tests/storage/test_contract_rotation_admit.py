"""Contract: ``RotationRequest.admit``, the issuer's word on the session a rotation found.

The issuer checks a refresh token's session (its client, its DPoP key) through this hook
instead of reading the session before the rotation, so every adapter must call it with
the session it found, before any rule, and write nothing when it raises.
"""

from __future__ import annotations

from typing import Any

import pytest
from storage_samples import NOW, digest, rotation, session, token

from gatehouse.storage.records import RotationOutcome, SessionRecord
from gatehouse.storage.status_records import StatusClaim


class _RefusedError(Exception):
    """What a test's hook raises."""


def _state(store: Any, sid: str) -> tuple[Any, ...]:
    return (
        store.get_session(sid),
        store.find_refresh_token(digest("t0")),
        store.find_refresh_token(digest("t1")),
    )


def test_admit_sees_the_session_before_any_rule(store: Any) -> None:
    """Called once with the session found, even when the rules then refuse (revoked)."""
    s = session("a1")
    store.create_session(s, token(s.sid, "t0"))
    store.revoke_session(s.sid, now=NOW + 1, reason="logout")
    seen: list[SessionRecord] = []

    def admit(found: SessionRecord) -> StatusClaim | None:
        seen.append(found)
        return None

    result = store.rotate_refresh_token(rotation(digest("t0"), "t1", NOW + 2, admit=admit))
    assert result.outcome is RotationOutcome.REVOKED
    assert [(f.sid, f.revoked_at) for f in seen] == [(s.sid, NOW + 1)]


def test_admit_is_not_called_without_a_session(store: Any) -> None:
    """An unknown token has no session to judge: UNKNOWN, the hook never runs."""
    calls: list[SessionRecord] = []
    result = store.rotate_refresh_token(
        rotation(digest("ghost"), "t1", NOW, admit=lambda found: calls.append(found))
    )
    assert result.outcome is RotationOutcome.UNKNOWN
    assert calls == []


def test_a_refusing_admit_writes_nothing(store: Any) -> None:
    """The hook's exception comes out of the rotation, and the token stays unspent."""
    s = session("a1")
    store.create_session(s, token(s.sid, "t0"))
    before = _state(store, s.sid)

    def admit(found: SessionRecord) -> StatusClaim | None:
        raise _RefusedError

    with pytest.raises(_RefusedError):
        store.rotate_refresh_token(rotation(digest("t0"), "t1", NOW + 1, admit=admit))
    assert _state(store, s.sid) == before
    again = store.rotate_refresh_token(rotation(digest("t0"), "t1", NOW + 2))
    assert again.outcome is RotationOutcome.ROTATED


def test_admit_names_the_claim_for_the_session_it_found(store: Any) -> None:
    """The hook's claim replaces ``status``: the entry belongs to the session found."""
    lst = store.open_status_list(size=64, now=NOW)
    s = session("a1")
    store.create_session(s, token(s.sid, "t0"))
    unnamed = StatusClaim(lst.list_id, (5,), 32, "jti-1", None, None, None, NOW + 300)

    def admit(found: SessionRecord) -> StatusClaim | None:
        return StatusClaim(lst.list_id, (21,), 32, "jti-1", found.sid, "a1", "web", NOW + 300)

    result = store.rotate_refresh_token(
        rotation(digest("t0"), "t1", NOW + 1, status=unnamed, admit=admit)
    )
    assert (result.outcome, result.status_idx) == (RotationOutcome.ROTATED, 21)
    assert store.revoke_session(s.sid, now=NOW + 2, reason="logout")
    assert store.invalid_indices(lst.list_id) == [21]  # found by the session's sid

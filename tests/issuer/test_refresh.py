"""Refresh rotation, grace, reuse detection and expiry through the TokenService."""

from __future__ import annotations

import pytest
from issuer_helpers import verifier_for

from gatehouse import ManualClock
from gatehouse.errors import (
    InvalidGrantError,
    InvalidScopeError,
    RefreshTokenReuseError,
)
from gatehouse.issuer import TokenService


def test_refresh_rotates_to_a_new_pair(
    service: TokenService, alice: str, clock: ManualClock
) -> None:
    """A refresh returns a new refresh token and a fresh verifiable access token."""
    first = service.login("alice", "correct horse")
    clock.advance(60)
    second = service.refresh(first.refresh_token)
    assert second.refresh_token != first.refresh_token
    assert second.sid == first.sid
    claims = verifier_for(service, clock).verify(second.access_token)
    assert claims.session_id == first.sid
    assert claims["iat"] == int(clock.time())


def test_refresh_may_narrow_but_not_widen_scope(service: TokenService, alice: str) -> None:
    """RFC 6749 §6: a refresh may ask for less scope, never more."""
    pair = service.login("alice", "correct horse", scope="read")
    narrowed = service.refresh(pair.refresh_token, scope="read")
    assert narrowed.scope == "read"
    with pytest.raises(InvalidScopeError):
        service.refresh(narrowed.refresh_token, scope="read write")


def test_predecessor_within_grace_returns_current_pair(
    service: TokenService, alice: str, clock: ManualClock
) -> None:
    """Replaying the immediate parent within 10 s returns the current refresh token."""
    p = service.login("alice", "correct horse")
    c = service.refresh(p.refresh_token)
    clock.advance(10)
    again = service.refresh(p.refresh_token)
    assert again.refresh_token == c.refresh_token
    assert service.refresh(c.refresh_token).refresh_token != c.refresh_token


def test_replay_after_grace_revokes_family_and_newest_fails(
    service: TokenService, alice: str, clock: ManualClock
) -> None:
    """Reuse outside the window raises refresh_token_reused and kills the newest token."""
    p = service.login("alice", "correct horse")
    c = service.refresh(p.refresh_token)
    clock.advance(11)
    with pytest.raises(RefreshTokenReuseError) as caught:
        service.refresh(p.refresh_token)
    assert caught.value.code == "refresh_token_reused"
    assert caught.value.error == "invalid_grant"
    with pytest.raises(InvalidGrantError) as newest:
        service.refresh(c.refresh_token)
    assert newest.value.code == "refresh_token_revoked"
    assert service.is_denied(sid=p.sid)


def test_grandparent_inside_window_is_reuse(service: TokenService, alice: str) -> None:
    """An older ancestor never gets grace, even within the window."""
    p = service.login("alice", "correct horse")
    c = service.refresh(p.refresh_token)
    service.refresh(c.refresh_token)
    with pytest.raises(RefreshTokenReuseError):
        service.refresh(p.refresh_token)


def test_parent_after_successor_spent_is_reuse(service: TokenService, alice: str) -> None:
    """Once the successor is itself spent, replaying the parent revokes the family."""
    p = service.login("alice", "correct horse")
    c = service.refresh(p.refresh_token)
    d = service.refresh(c.refresh_token)
    with pytest.raises(RefreshTokenReuseError):
        service.refresh(p.refresh_token)
    with pytest.raises(InvalidGrantError):
        service.refresh(d.refresh_token)


def test_idle_timeout_expires_session(
    service: TokenService, alice: str, clock: ManualClock
) -> None:
    """A session unused for the idle timeout can no longer refresh."""
    p = service.login("alice", "correct horse")
    clock.advance(service.config.refresh_idle_timeout)
    with pytest.raises(InvalidGrantError) as caught:
        service.refresh(p.refresh_token)
    assert caught.value.code == "refresh_token_expired"


def test_absolute_lifetime_ends_active_session(
    service: TokenService, alice: str, clock: ManualClock
) -> None:
    """Refreshing daily keeps a session alive only until its absolute lifetime."""
    token = service.login("alice", "correct horse").refresh_token
    for _ in range(29):
        clock.advance(86400)
        token = service.refresh(token).refresh_token
    clock.advance(86400)
    with pytest.raises(InvalidGrantError) as caught:
        service.refresh(token)
    assert caught.value.code == "refresh_token_expired"


@pytest.mark.parametrize("token", ["", "short", "x" * 43 + "=", "A" * 43, "é" * 43])
def test_unknown_or_malformed_refresh_token(service: TokenService, token: str) -> None:
    """Garbage and unknown refresh tokens raise invalid_grant."""
    with pytest.raises(InvalidGrantError) as caught:
        service.refresh(token)
    assert caught.value.code == "invalid_grant"


def test_refresh_bound_to_its_client(service: TokenService, alice: str) -> None:
    """A refresh token presented by another client is refused and stays usable."""
    service.register_client("spa", grant_types=["password", "refresh_token"], confidential=False)
    pair = service.login("alice", "correct horse", client_id="spa")
    with pytest.raises(InvalidGrantError):
        service.refresh(pair.refresh_token, client_id="other")
    assert service.refresh(pair.refresh_token, client_id="spa").access_token


def test_disabled_account_cannot_refresh(service: TokenService, alice: str) -> None:
    """Disabling an account revokes its sessions, so refresh fails."""
    pair = service.login("alice", "correct horse")
    assert service.disable_account(alice) == 1
    with pytest.raises(InvalidGrantError):
        service.refresh(pair.refresh_token)
    assert service.is_denied(sid=pair.sid)


def test_introspection_of_refresh_and_access_tokens(
    service: TokenService, alice: str, clock: ManualClock
) -> None:
    """Introspection reports live tokens active and spent/revoked ones inactive only."""
    p = service.login("alice", "correct horse")
    info = service.introspect(p.refresh_token)
    assert info["active"] is True
    assert (info["sub"], info["sid"], info["token_type"]) == (alice, p.sid, "refresh_token")
    assert service.introspect(p.access_token)["sub"] == alice
    c = service.refresh(p.refresh_token)
    assert service.introspect(p.refresh_token) == {"active": False}
    service.logout(refresh_token=c.refresh_token)
    assert service.introspect(c.refresh_token) == {"active": False}
    assert service.introspect(c.access_token) == {"active": False}
    assert service.introspect("garbage") == {"active": False}

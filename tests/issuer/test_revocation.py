"""Logout, logout-all, password change and RFC 7009 revocation."""

from __future__ import annotations

import pytest
from issuer_helpers import verifier_for

from gatehouse import ManualClock
from gatehouse.errors import InvalidGrantError, InvalidRequestError, UnauthorizedClientError
from gatehouse.issuer import TokenService


def test_logout_ends_one_session_only(service: TokenService, alice: str) -> None:
    """logout revokes the presented session; another session of the account lives on."""
    a = service.login("alice", "correct horse")
    b = service.login("alice", "correct horse")
    assert service.logout(refresh_token=a.refresh_token) == 1
    assert service.logout(refresh_token=a.refresh_token) == 0
    with pytest.raises(InvalidGrantError):
        service.refresh(a.refresh_token)
    assert service.refresh(b.refresh_token).access_token
    assert service.is_denied(sid=a.sid)
    assert not service.is_denied(sid=b.sid)


def test_logout_by_sid_and_all_sessions(service: TokenService, alice: str) -> None:
    """logout(sid=…, all_sessions=True) revokes every session of the account."""
    a = service.login("alice", "correct horse")
    b = service.login("alice", "correct horse")
    assert service.logout(sid=a.sid, all_sessions=True) == 2
    for pair in (a, b):
        with pytest.raises(InvalidGrantError):
            service.refresh(pair.refresh_token)
    assert service.list_sessions(alice) == []


def test_logout_needs_exactly_one_handle(service: TokenService) -> None:
    """logout without a token or sid (or with both) is a bad request."""
    with pytest.raises(InvalidRequestError):
        service.logout()
    with pytest.raises(InvalidRequestError):
        service.logout(refresh_token="x", sid="y")
    assert service.logout(sid="unknown") == 0


def test_password_change_revokes_all_sessions(service: TokenService, alice: str) -> None:
    """Changing the password revokes every session; the new password works."""
    a = service.login("alice", "correct horse")
    b = service.login("alice", "correct horse")
    assert service.change_password(alice, "battery staple", current_password="correct horse") == 2
    for pair in (a, b):
        with pytest.raises(InvalidGrantError):
            service.refresh(pair.refresh_token)
        assert service.is_denied(sid=pair.sid)
    with pytest.raises(InvalidGrantError):
        service.login("alice", "correct horse")
    assert service.login("alice", "battery staple").access_token


def test_password_change_checks_current_password(service: TokenService, alice: str) -> None:
    """A wrong current password changes nothing and revokes nothing."""
    pair = service.login("alice", "correct horse")
    with pytest.raises(InvalidGrantError):
        service.change_password(alice, "new one", current_password="wrong")
    assert service.refresh(pair.refresh_token).access_token


def test_rfc7009_unknown_token_is_not_an_error(service: TokenService) -> None:
    """RFC 7009 §2.2: revoking an unknown or malformed token succeeds silently."""
    assert service.revoke("A" * 43) is False
    service.revoke("not-a-token")
    service.revoke("a.b.c")


def test_rfc7009_revokes_family(service: TokenService, alice: str) -> None:
    """Revoking a refresh token revokes its session, including the live successor."""
    p = service.login("alice", "correct horse")
    c = service.refresh(p.refresh_token)
    service.revoke(p.refresh_token, token_type_hint="refresh_token")
    with pytest.raises(InvalidGrantError):
        service.refresh(c.refresh_token)


def test_rfc7009_other_clients_token_is_refused(service: TokenService, alice: str) -> None:
    """§2.1: a client may revoke only its own tokens, refresh and access tokens alike;
    the refused token stays valid."""
    pair = service.login("alice", "correct horse")
    with pytest.raises(UnauthorizedClientError):
        service.revoke(pair.refresh_token, client_id="intruder")
    with pytest.raises(UnauthorizedClientError):
        service.revoke(pair.access_token, client_id="intruder")
    assert service.introspect(pair.access_token)["active"] is True
    assert service.refresh(pair.refresh_token).access_token


def test_access_token_deny_list_by_jti(
    service: TokenService, alice: str, clock: ManualClock
) -> None:
    """Revoking an access token denies its jti until after it expires."""
    pair = service.login("alice", "correct horse")
    claims = verifier_for(service, clock).verify(pair.access_token)
    assert not service.is_denied(jti=claims.token_id)
    service.revoke(pair.access_token)
    assert service.is_denied(jti=claims.token_id)
    assert service.introspect(pair.access_token) == {"active": False}
    clock.advance(service.config.access_token_ttl + 61)
    assert not service.is_denied(jti=claims.token_id)

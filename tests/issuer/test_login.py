"""Login through the TokenService facade: accounts, passwords, tokens, scopes."""

from __future__ import annotations

import pytest
from issuer_helpers import API, ISSUER, verifier_for

from gatehouse import ManualClock
from gatehouse.errors import (
    ConflictError,
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    InvalidTargetError,
)
from gatehouse.issuer import TokenService


def test_login_issues_verifiable_rfc9068_access_token(
    service: TokenService, alice: str, clock: ManualClock
) -> None:
    """A correct password yields a Bearer pair whose access token verifies with our JWKS."""
    pair = service.login("alice", "correct horse", scope="read")
    assert (pair.token_type, pair.expires_in, pair.scope) == ("Bearer", 600, "read")
    claims = verifier_for(service, clock).verify(pair.access_token, scopes=["read"])
    assert claims.header["typ"] == "at+jwt"
    assert claims["iss"] == ISSUER
    assert claims["aud"] == API
    assert claims.subject == alice
    assert claims.session_id == pair.sid
    assert claims.client_id == "gatehouse"
    assert claims.roles == ("editor",)
    assert claims["exp"] - claims["iat"] == 600
    assert claims.token_id
    assert len(pair.refresh_token) == 43


def test_username_is_normalised(service: TokenService, alice: str) -> None:
    """Full-width and upper-case forms of a username reach the same account."""
    pair = service.login("ＡＬＩＣＥ", "correct horse")
    assert pair.scope == "read write"
    with pytest.raises(ConflictError):
        service.create_account("ALICE", "another password")


def test_wrong_password_and_unknown_user_look_alike(service: TokenService, alice: str) -> None:
    """Wrong password and unknown user both raise invalid_grant with the same message."""
    with pytest.raises(InvalidGrantError) as wrong:
        service.login("alice", "wrong")
    with pytest.raises(InvalidGrantError) as unknown:
        service.login("mallory", "wrong")
    assert wrong.value.code == unknown.value.code == "invalid_grant"
    assert str(wrong.value) == str(unknown.value)


def test_disabled_account_cannot_log_in(service: TokenService, alice: str) -> None:
    """A disabled account is refused even with the right password; enabling restores it."""
    service.disable_account(alice)
    with pytest.raises(InvalidGrantError) as caught:
        service.login("alice", "correct horse")
    assert caught.value.code == "account_disabled"
    service.enable_account(alice)
    assert service.login("alice", "correct horse").access_token


def test_scope_beyond_account_is_refused(service: TokenService, alice: str) -> None:
    """Requesting a scope the account lacks raises invalid_scope and creates no session."""
    with pytest.raises(InvalidScopeError):
        service.login("alice", "correct horse", scope="read admin")
    assert service.list_sessions(alice) == []


def test_audience_must_be_allowed(service: TokenService, alice: str, clock: ManualClock) -> None:
    """A configured second audience works; an unknown one is refused as invalid_target."""
    pair = service.login("alice", "correct horse", audience="https://other.example")
    verifier_for(service, clock, "https://other.example").verify(pair.access_token)
    with pytest.raises(InvalidTargetError) as caught:
        service.login("alice", "correct horse", audience="https://evil.example")
    assert caught.value.error == "invalid_target"


@pytest.mark.parametrize("password", ["", "x" * 1025])
def test_empty_or_huge_password_is_a_bad_request(service: TokenService, password: str) -> None:
    """Passwords that cannot be valid are refused before any hashing."""
    with pytest.raises(InvalidRequestError):
        service.create_account("bob", password)


def test_malformed_username_is_a_bad_request(service: TokenService) -> None:
    """Control characters in a username give invalid_request, not a crash."""
    with pytest.raises(InvalidRequestError):
        service.login("al\x00ice", "pw")

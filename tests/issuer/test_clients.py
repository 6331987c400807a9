"""Service clients: registration, secrets and the client-credentials grant."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from issuer_helpers import make_config, verifier_for

from gatehouse import ManualClock
from gatehouse.errors import (
    ConflictError,
    InvalidClientError,
    InvalidRequestError,
    InvalidScopeError,
    InvalidTargetError,
    UnauthorizedClientError,
)
from gatehouse.issuer import KeyEncryptionKey, TokenService
from gatehouse.storage.ports import Stores

BILLING = "https://billing.example"


@pytest.fixture
def billing(service: TokenService) -> str:
    """A confidential client allowed 'invoices:read' on the billing audience; its secret."""
    registered = service.register_client(
        "billing-svc", allowed_audiences=[BILLING], allowed_scopes=["invoices:read"]
    )
    assert registered.client_secret is not None
    assert registered.client.secret_hash != registered.client_secret.encode()
    return registered.client_secret


def test_client_credentials_token(service: TokenService, billing: str, clock: ManualClock) -> None:
    """The grant yields an access token for the client's audience, subject = client id."""
    response = service.client_credentials("billing-svc", billing)
    assert response.to_dict()["token_type"] == "Bearer"
    assert "refresh_token" not in response.to_dict()
    claims = verifier_for(service, clock, BILLING).verify(response.access_token)
    assert (claims.subject, claims.client_id) == ("billing-svc", "billing-svc")
    assert claims.scopes == {"invoices:read"}
    assert "sid" not in claims


def test_wrong_or_missing_secret(service: TokenService, billing: str) -> None:
    """A wrong, empty or absent secret, or an unknown client, gives invalid_client."""
    for client_id, secret in [
        ("billing-svc", "wrong"),
        ("billing-svc", ""),
        ("billing-svc", None),
        ("ghost", billing),
        ("bad id!", billing),
    ]:
        with pytest.raises(InvalidClientError):
            service.client_credentials(client_id, secret)  # type: ignore[arg-type]


def test_scope_and_audience_limits(service: TokenService, billing: str) -> None:
    """Scopes and audiences beyond the client's allowance are refused."""
    with pytest.raises(InvalidScopeError):
        service.client_credentials("billing-svc", billing, scope="invoices:write")
    with pytest.raises(InvalidTargetError) as caught:
        service.client_credentials("billing-svc", billing, audience="https://api.example")
    assert caught.value.error == "invalid_target"


def test_disabled_client_and_secret_rotation(service: TokenService, billing: str) -> None:
    """A disabled client fails; a rotated secret replaces the old one."""
    service.disable_client("billing-svc")
    with pytest.raises(InvalidClientError):
        service.client_credentials("billing-svc", billing)
    service.enable_client("billing-svc")
    new = service.rotate_client_secret("billing-svc")
    with pytest.raises(InvalidClientError):
        service.client_credentials("billing-svc", billing)
    assert service.client_credentials("billing-svc", new).access_token


def test_grant_type_must_be_allowed(service: TokenService, alice: str) -> None:
    """A client without client_credentials, or a login via an unfit client, is refused."""
    reg = service.register_client("web", grant_types=["password"], allowed_audiences=["x"])
    assert reg.client_secret is not None
    with pytest.raises(UnauthorizedClientError):
        service.client_credentials("web", reg.client_secret)
    svc = service.register_client("svc", allowed_audiences=["https://api.example"])
    with pytest.raises(UnauthorizedClientError):
        service.login("alice", "correct horse", client_id="svc")
    with pytest.raises(InvalidClientError):
        service.login("alice", "correct horse", client_id="ghost")
    assert svc.client_secret


def test_duplicate_client_conflicts(service: TokenService, billing: str) -> None:
    """Registering a taken client id raises ConflictError."""
    with pytest.raises(ConflictError):
        service.register_client("billing-svc")
    with pytest.raises(InvalidRequestError):
        service.register_client("public-cc", confidential=False)


def test_login_scope_limited_by_client(service: TokenService, alice: str) -> None:
    """A login via a client gets at most the scopes both account and client allow."""
    service.register_client(
        "reader-app", grant_types=["password", "refresh_token"], allowed_scopes=["read"]
    )
    pair = service.login("alice", "correct horse", client_id="reader-app")
    assert pair.scope == "read"
    with pytest.raises(InvalidScopeError):
        service.login("alice", "correct horse", client_id="reader-app", scope="write")


def test_client_token_introspects_and_revokes(service: TokenService, billing: str) -> None:
    """A client-credentials token for a client audience is active until revoked."""
    token = service.client_credentials("billing-svc", billing).access_token
    info = service.introspect(token)
    assert (info["active"], info["aud"], info["client_id"]) == (True, BILLING, "billing-svc")
    service.revoke(token)
    assert service.introspect(token) == {"active": False}


class _NoScans:
    """A real client store that fails the test if anything lists every client."""

    def __init__(self, store: Any) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def list_clients(self) -> list[Any]:
        raise AssertionError("list_clients called on a request path")


def test_introspection_looks_up_one_client_not_all(
    stores: Stores, kek: KeyEncryptionKey, clock: ManualClock
) -> None:
    """Introspecting client and first-party tokens never lists every client (bounded
    work per call), yet a client audience still introspects active."""
    admin = TokenService(make_config(), stores, kek, clock=clock)
    secret = admin.register_client("billing-svc", allowed_audiences=[BILLING]).client_secret
    assert secret is not None
    admin.create_account("bob", "correct horse")
    guarded = dataclasses.replace(stores, clients=_NoScans(stores.clients))
    service = TokenService(make_config(), guarded, kek, clock=clock)
    token = service.client_credentials("billing-svc", secret).access_token
    info = service.introspect(token)
    assert (info["active"], info["aud"]) == (True, BILLING)
    pair = service.login("bob", "correct horse")
    assert service.introspect(pair.access_token)["active"] is True
    assert service.introspect("a.b.c") == {"active": False}
    assert service.revoke(token, client_id="billing-svc") is True
    assert service.introspect(token) == {"active": False}

"""Token exchange at /token over real HTTP (RFC 8693 §2): the chain of services, the
narrowing rules, refusals per §2.2.2, DPoP binding, discovery and the audit trail.

``API`` plays the orders service (alice logs in for it); orders-service exchanges her
token for profile, profile-service exchanges that one for billing.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from server import run_asgi_in_thread
from service_helpers import API, FORM, ISSUER, PASSWORD, assert_oauth_error, basic
from service_stack import Stack, make_stack

from backend_servers import POSTGRES_DSN, drop_pg_schema, postgres_down, unavailable
from gatehouse.jose import JWK, decode_unverified
from gatehouse.jose.dpop_make import make_proof

PROFILE = "https://profile.example"
BILLING = "https://billing.example"
EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS = "urn:ietf:params:oauth:token-type:access_token"
AUDIENCES = f"{API},{PROFILE},{BILLING}"


class Chain:
    """The stack, an HTTP client to it, and the services' secrets."""

    def __init__(self, stack: Stack, http: httpx.Client) -> None:
        self.stack, self.http = stack, http
        self.secrets: dict[str, str] = {}
        for name, audience, scopes in (
            ("orders-service", PROFILE, ["read", "write"]),
            ("profile-service", BILLING, ["read"]),
        ):
            made = stack.service.register_client(
                name,
                allowed_audiences=[audience],
                allowed_scopes=scopes,
                grant_types=["client_credentials", EXCHANGE],
            )
            assert made.client_secret is not None
            self.secrets[name] = made.client_secret

    def login(self, scope: str = "read write") -> dict[str, Any]:
        body = {"username": "alice", "password": PASSWORD, "audience": API, "scope": scope}
        answer = self.http.post("/login", json=body)
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result

    def exchange(
        self, client: str, subject: str, secret: str | None = None, **form: str
    ) -> httpx.Response:
        body = {
            "grant_type": EXCHANGE,
            "subject_token": subject,
            "subject_token_type": ACCESS,
            **form,
        }
        headers = {**FORM, **basic(client, secret or self.secrets[client])}
        dpop = body.pop("dpop", None)
        if dpop:
            headers["DPoP"] = dpop
        return self.http.post("/token", data=body, headers=headers)


def _serve(stack: Stack) -> Iterator[Chain]:
    try:
        with run_asgi_in_thread(stack.app) as url, httpx.Client(base_url=url, timeout=10) as c:
            yield Chain(stack, c)
    finally:
        stack.stores.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def chain(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Chain]:
    """The token service over SQLite, or over PostgreSQL in a schema of its own."""
    env = {"GATEHOUSE_ISSUER_AUDIENCES": AUDIENCES}
    if request.param == "sqlite":
        yield from _serve(make_stack(tmp_path, **env))
        return
    reason = postgres_down()
    if reason:
        unavailable("PostgreSQL", reason)
    schema = f"gh_test_{secrets.token_hex(6)}"
    try:
        yield from _serve(
            make_stack(
                tmp_path,
                GATEHOUSE_STORAGE_URL=POSTGRES_DSN,
                GATEHOUSE_STORAGE_SCHEMA=schema,
                **env,
            )
        )
    finally:
        drop_pg_schema(schema)


@pytest.fixture
def lite(tmp_path: Path) -> Iterator[Chain]:
    """SQLite only, for rules the store does not change."""
    yield from _serve(make_stack(tmp_path, GATEHOUSE_ISSUER_AUDIENCES=AUDIENCES))


def _claims(token: str) -> dict[str, Any]:
    return decode_unverified(token)[1]


def test_exchange_narrows_and_names_the_actor(chain: Chain) -> None:
    """The new token keeps sub and sid, has aud = profile, act.sub = orders-service,
    client_id = orders-service, the narrowed scope, no refresh token, issued_token_type."""
    user = chain.login()
    answer = chain.exchange("orders-service", user["access_token"], audience=PROFILE, scope="read")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["issued_token_type"] == ACCESS
    assert body["token_type"] == "Bearer"
    assert "refresh_token" not in body
    header, claims = decode_unverified(body["access_token"])
    subject = _claims(user["access_token"])
    assert header["typ"] == "at+jwt"
    assert claims["sub"] == subject["sub"]
    assert claims["sid"] == subject["sid"]
    assert claims["aud"] == PROFILE
    assert claims["act"] == {"sub": "orders-service"}
    assert claims["client_id"] == "orders-service"
    assert claims["scope"] == "read"
    assert claims["exp"] <= subject["exp"]


def test_act_nests_two_deep_across_three_services(chain: Chain) -> None:
    """profile-service exchanging orders' token gets act {profile-service, act: {orders}}."""
    user = chain.login()
    first = chain.exchange("orders-service", user["access_token"], audience=PROFILE).json()
    second = chain.exchange("profile-service", first["access_token"], audience=BILLING)
    assert second.status_code == 200, second.text
    claims = _claims(second.json()["access_token"])
    assert claims["act"] == {"sub": "profile-service", "act": {"sub": "orders-service"}}
    assert claims["aud"] == BILLING
    assert claims["scope"] == "read"


def test_lives_no_longer_than_the_subject_token(lite: Chain) -> None:
    """Exchanged late in the subject's life, the new token expires with it."""
    user = lite.login()
    lite.stack.clock.advance(user["expires_in"] - 20)
    body = lite.exchange("orders-service", user["access_token"], audience=PROFILE).json()
    assert _claims(body["access_token"])["exp"] == _claims(user["access_token"])["exp"]
    assert body["expires_in"] == 20


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"audience": PROFILE, "scope": "read admin"}, 400, "invalid_scope"),
        ({"audience": BILLING}, 400, "invalid_target"),
        ({}, 400, "invalid_target"),
        ({"audience": PROFILE, "resource": BILLING}, 400, "invalid_target"),
        ({"audience": PROFILE, "subject_token_type": "urn:x"}, 400, "invalid_request"),
        ({"audience": PROFILE, "requested_token_type": "urn:x"}, 400, "invalid_request"),
        ({"audience": PROFILE, "actor_token_type": ACCESS}, 400, "invalid_request"),
    ],
)
def test_widening_and_malformed_requests_are_refused(
    lite: Chain, form: dict[str, str], status: int, error: str
) -> None:
    """A wider scope, another audience, no target or a bad parameter is refused (§2.2.2)."""
    user = lite.login()
    answer = lite.exchange("orders-service", user["access_token"], **form)
    assert_oauth_error(answer, status, error)


def test_scope_never_wider_than_the_subject_token(lite: Chain) -> None:
    """A subject token with scope read cannot be exchanged for write (invalid_scope)."""
    user = lite.login(scope="read")
    answer = lite.exchange("orders-service", user["access_token"], audience=PROFILE, scope="write")
    assert_oauth_error(answer, 400, "invalid_scope")


def test_revoked_or_expired_subject_token_refused(chain: Chain) -> None:
    """After logout, or after expiry, the subject token cannot be exchanged; tokens
    exchanged before the logout stop introspecting as active (they share the sid)."""
    user = chain.login()
    earlier = chain.exchange("orders-service", user["access_token"], audience=PROFILE).json()
    chain.http.post("/logout", json={"refresh_token": user["refresh_token"]})
    refused = chain.exchange("orders-service", user["access_token"], audience=PROFILE)
    assert_oauth_error(refused, 400, "invalid_request")
    assert chain.stack.service.introspect(earlier["access_token"]) == {"active": False}
    fresh = chain.login()
    chain.stack.clock.advance(fresh["expires_in"] + 1)
    expired = chain.exchange("orders-service", fresh["access_token"], audience=PROFILE)
    assert_oauth_error(expired, 400, "invalid_request")


def test_client_without_the_grant_is_unauthorized(lite: Chain) -> None:
    """orders-svc (client_credentials only) may not exchange: unauthorized_client."""
    user = lite.login()
    answer = lite.exchange("orders-svc", user["access_token"], lite.stack.client_secret)
    assert_oauth_error(answer, 400, "unauthorized_client")


def test_client_must_authenticate(lite: Chain) -> None:
    """No or wrong client credentials: invalid_client (401)."""
    user = lite.login()
    wrong = lite.exchange("orders-service", user["access_token"], "wrong", audience=PROFILE)
    assert_oauth_error(wrong, 401, "invalid_client")
    form = {"grant_type": EXCHANGE, "subject_token": user["access_token"]}
    anonymous = lite.http.post("/token", data={**form, "subject_token_type": ACCESS}, headers=FORM)
    assert_oauth_error(anonymous, 401, "invalid_client")


def test_forged_subject_token_refused(lite: Chain) -> None:
    """A token signed by another key is invalid_request, not a 500."""
    stranger = JWK.generate("ES256")
    from gatehouse.jose import encode_jwt

    forged = encode_jwt(
        {"iss": ISSUER, "sub": "x", "aud": API, "exp": 2_000_000_000, "scope": "read"},
        stranger,
        "ES256",
        typ="at+jwt",
    )
    answer = lite.exchange("orders-service", forged, audience=PROFILE)
    assert_oauth_error(answer, 400, "invalid_request")


def test_actor_token_must_be_the_clients_own(lite: Chain) -> None:
    """An actor_token of the calling client is accepted; someone else's is refused."""
    user = lite.login()
    own = lite.http.post(
        "/token",
        data={"grant_type": "client_credentials", "audience": PROFILE},
        headers={**FORM, **basic("orders-service", lite.secrets["orders-service"])},
    ).json()["access_token"]
    ok = lite.exchange(
        "orders-service",
        user["access_token"],
        audience=PROFILE,
        actor_token=own,
        actor_token_type=ACCESS,
    )
    assert ok.status_code == 200, ok.text
    other = lite.exchange(
        "orders-service",
        user["access_token"],
        audience=PROFILE,
        actor_token=user["access_token"],
        actor_token_type=ACCESS,
    )
    assert_oauth_error(other, 400, "invalid_request")


def test_max_depth_is_enforced(tmp_path: Path) -> None:
    """With [issuer] exchange_max_depth = 1 the second hop is refused (invalid_request)."""
    stack = make_stack(
        tmp_path, GATEHOUSE_ISSUER_AUDIENCES=AUDIENCES, GATEHOUSE_ISSUER_EXCHANGE_MAX_DEPTH="1"
    )
    for chain in _serve(stack):
        user = chain.login()
        first = chain.exchange("orders-service", user["access_token"], audience=PROFILE)
        assert first.status_code == 200, first.text
        second = chain.exchange("profile-service", first.json()["access_token"], audience=BILLING)
        assert_oauth_error(second, 400, "invalid_request")


def test_dpop_proof_binds_the_exchanged_token(lite: Chain) -> None:
    """With a DPoP proof the exchanged token is DPoP-bound to its key (RFC 9449 §5)."""
    user = lite.login()
    key = JWK.generate("ES256")
    proof = make_proof(key, method="POST", url=ISSUER + "/token", now=lite.stack.clock.time())
    answer = lite.exchange("orders-service", user["access_token"], audience=PROFILE, dpop=proof)
    assert answer.status_code == 200, answer.text
    assert answer.json()["token_type"] == "DPoP"
    assert _claims(answer.json()["access_token"])["cnf"] == {"jkt": key.thumbprint()}


def test_discovery_lists_the_grant(lite: Chain) -> None:
    """The metadata's grant_types_supported names token exchange (RFC 8414 §2)."""
    doc = lite.http.get("/.well-known/oauth-authorization-server").json()
    assert EXCHANGE in doc["grant_types_supported"]


def test_every_exchange_is_audited_with_its_chain(
    lite: Chain, caplog: pytest.LogCaptureFixture
) -> None:
    """A token_exchanged event names the account, client, audience and the actor chain,
    and no token."""
    caplog.set_level(logging.INFO, logger="gatehouse.audit")
    user = lite.login()
    first = lite.exchange("orders-service", user["access_token"], audience=PROFILE).json()
    lite.exchange("profile-service", first["access_token"], audience=BILLING)
    events = [r.audit for r in caplog.records if getattr(r, "event", "") == "token_exchanged"]  # type: ignore[attr-defined]
    assert [e["chain"] for e in events] == ["orders-service", "profile-service > orders-service"]
    assert [e["audience"] for e in events] == [PROFILE, BILLING]
    assert user["access_token"] not in caplog.text

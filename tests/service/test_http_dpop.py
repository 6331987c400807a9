"""DPoP at the token endpoint over real HTTP (RFC 9449 §5, §6, §8): bound tokens, bound
refresh families, nonces, replay, per-client policy, discovery and introspection.

The service runs under uvicorn on a free port, over SQLite (and PostgreSQL where the
store matters), with an injected clock; proofs come from ``make_proof``. A proof's
``htu`` is the issuer URL plus the endpoint path, as the metadata advertises, not the
loopback address the test connects to.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from server import run_asgi_in_thread
from service_helpers import FORM, ISSUER, PASSWORD, assert_oauth_error, basic
from service_stack import Stack, make_stack

from backend_servers import POSTGRES_DSN, drop_pg_schema, postgres_down, unavailable
from gatehouse.jose import JWK, decode_unverified
from gatehouse.jose.dpop_make import make_proof

TOKEN_URL = ISSUER + "/token"
LOGIN_URL = ISSUER + "/login"


def _serve(stack: Stack) -> Iterator[httpx.Client]:
    try:
        with run_asgi_in_thread(stack.app) as url, httpx.Client(base_url=url, timeout=10) as c:
            yield c
    finally:
        stack.stores.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Stack, httpx.Client]]:
    """The token service over SQLite, or over PostgreSQL in a schema of its own."""
    if request.param == "sqlite":
        stack = make_stack(tmp_path)
        for client in _serve(stack):
            yield stack, client
        return
    reason = postgres_down()
    if reason:
        unavailable("PostgreSQL", reason)
    schema = f"gh_test_{secrets.token_hex(6)}"
    try:
        stack = make_stack(
            tmp_path, GATEHOUSE_STORAGE_URL=POSTGRES_DSN, GATEHOUSE_STORAGE_SCHEMA=schema
        )
        for client in _serve(stack):
            yield stack, client
    finally:
        drop_pg_schema(schema)


@pytest.fixture
def sqlite_served(tmp_path: Path) -> Iterator[tuple[Stack, httpx.Client]]:
    """The token service over SQLite only (behaviour the store does not change)."""
    stack = make_stack(tmp_path)
    for client in _serve(stack):
        yield stack, client


def _proof(stack: Stack, key: JWK, url: str = TOKEN_URL, **extra: Any) -> str:
    return make_proof(key, method="POST", url=url, now=stack.clock.time(), **extra)


def _login(stack: Stack, http: httpx.Client, key: JWK) -> dict[str, Any]:
    body = {"username": "alice", "password": PASSWORD}
    response = http.post("/login", json=body, headers={"DPoP": _proof(stack, key, LOGIN_URL)})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def _refresh(stack: Stack, http: httpx.Client, token: str, key: JWK | None) -> httpx.Response:
    headers = dict(FORM)
    if key is not None:
        headers["DPoP"] = _proof(stack, key)
    form = {"grant_type": "refresh_token", "refresh_token": token}
    return http.post("/token", data=form, headers=headers)


def _cnf(access_token: str) -> Any:
    return decode_unverified(access_token)[1].get("cnf")


def test_login_with_a_proof_binds_the_access_token(served: tuple[Stack, httpx.Client]) -> None:
    """/login with a proof answers token_type DPoP and an access token with cnf.jkt (§5, §6.1)."""
    stack, http = served
    key = JWK.generate("ES256")
    body = _login(stack, http, key)
    assert body["token_type"] == "DPoP"
    assert _cnf(body["access_token"]) == {"jkt": key.thumbprint()}


def test_refresh_with_the_bound_key_then_another_key_revokes(
    served: tuple[Stack, httpx.Client],
) -> None:
    """The right key refreshes (200, still bound); another key is refused and revokes the
    family, so the right key fails afterwards too (§5, reuse signal)."""
    stack, http = served
    key, thief = JWK.generate("ES256"), JWK.generate("EdDSA")
    pair = _login(stack, http, key)
    good = _refresh(stack, http, pair["refresh_token"], key)
    assert good.status_code == 200, good.text
    assert good.json()["token_type"] == "DPoP"
    assert _cnf(good.json()["access_token"]) == {"jkt": key.thumbprint()}
    current = good.json()["refresh_token"]
    stolen = _refresh(stack, http, current, thief)
    assert assert_oauth_error(stolen, 400, "invalid_grant")
    after = _refresh(stack, http, current, key)
    assert_oauth_error(after, 400, "invalid_grant")
    sessions = stack.service.list_sessions(
        stack.service.find_account("alice").account_id,  # type: ignore[union-attr]
        include_revoked=True,
    )
    assert [s.revoke_reason for s in sessions] == ["dpop_key_mismatch"]


def test_bound_refresh_without_a_proof_is_refused_not_revoked(
    sqlite_served: tuple[Stack, httpx.Client],
) -> None:
    """A key-bound refresh token alone is useless (invalid_dpop_proof); the family lives on."""
    stack, http = sqlite_served
    key = JWK.generate("ES256")
    pair = _login(stack, http, key)
    bare = _refresh(stack, http, pair["refresh_token"], None)
    assert_oauth_error(bare, 400, "invalid_dpop_proof")
    assert _refresh(stack, http, pair["refresh_token"], key).status_code == 200


def test_grace_window_returns_the_current_pair_for_a_bound_family(
    sqlite_served: tuple[Stack, httpx.Client],
) -> None:
    """Re-presenting the immediate parent within the grace window, with the key, returns
    the current pair; reuse detection stays as for bearer families."""
    stack, http = sqlite_served
    key = JWK.generate("ES256")
    pair = _login(stack, http, key)
    first = _refresh(stack, http, pair["refresh_token"], key)
    again = _refresh(stack, http, pair["refresh_token"], key)
    assert again.status_code == 200, again.text
    assert again.json()["refresh_token"] == first.json()["refresh_token"]
    stack.clock.advance(30)
    late = _refresh(stack, http, pair["refresh_token"], key)
    assert_oauth_error(late, 400, "invalid_grant")


def test_nonce_challenge_then_retry(tmp_path: Path) -> None:
    """With require_nonce a proof without one is 400 use_dpop_nonce plus DPoP-Nonce; the
    retry with that nonce succeeds and the answer carries the current nonce (§8)."""
    stack = make_stack(tmp_path, GATEHOUSE_DPOP_REQUIRE_NONCE="true")
    for http in _serve(stack):
        key = JWK.generate("ES256")
        body = {"username": "alice", "password": PASSWORD}
        first = http.post("/login", json=body, headers={"DPoP": _proof(stack, key, LOGIN_URL)})
        assert_oauth_error(first, 400, "use_dpop_nonce")
        nonce = first.headers["DPoP-Nonce"]
        proof = _proof(stack, key, LOGIN_URL, nonce=nonce)
        second = http.post("/login", json=body, headers={"DPoP": proof})
        assert second.status_code == 200, second.text
        assert second.headers["DPoP-Nonce"] == nonce
        assert second.json()["token_type"] == "DPoP"


def test_replayed_proof_is_refused_by_another_instance(
    sqlite_served: tuple[Stack, httpx.Client], tmp_path: Path
) -> None:
    """A proof used at one instance is refused at a second one on the same database
    (the dpop_replay table, §11.1), and a proof for another URL is refused too."""
    stack, http = sqlite_served
    key = JWK.generate("ES256")
    pair = _login(stack, http, key)
    proof = _proof(stack, key)
    form = {"grant_type": "refresh_token", "refresh_token": pair["refresh_token"]}
    assert http.post("/token", data=form, headers={**FORM, "DPoP": proof}).status_code == 200
    from gatehouse.issuer import FAST_TEST_PROFILE
    from gatehouse.service.app import create_app
    from gatehouse.service.compose import build_stores, build_token_service

    stores = build_stores(stack.settings, clock=stack.clock)
    other = build_token_service(
        stack.settings, stores, clock=stack.clock, password_profile=FAST_TEST_PROFILE
    )
    app = create_app(other, stack.settings.http, ping=stores.ping, close=stores.close)
    with run_asgi_in_thread(app) as url, httpx.Client(base_url=url, timeout=10) as second:
        replay = second.post("/token", data=form, headers={**FORM, "DPoP": proof})
        assert_oauth_error(replay, 400, "invalid_dpop_proof")
        elsewhere = _proof(stack, key, url="https://elsewhere.example/token")
        wrong = second.post("/token", data=form, headers={**FORM, "DPoP": elsewhere})
        assert_oauth_error(wrong, 400, "invalid_dpop_proof")


def test_client_credentials_with_a_proof_is_bound(
    sqlite_served: tuple[Stack, httpx.Client],
) -> None:
    """client_credentials with a proof answers token_type DPoP and cnf.jkt; introspection
    reports the binding (RFC 7662, RFC 9449 §6.2)."""
    stack, http = sqlite_served
    key = JWK.generate("ES256")
    headers = {**FORM, **basic(stack.client_id, stack.client_secret), "DPoP": _proof(stack, key)}
    response = http.post("/token", data={"grant_type": "client_credentials"}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["token_type"] == "DPoP"
    token = response.json()["access_token"]
    assert _cnf(token) == {"jkt": key.thumbprint()}
    auth = {**FORM, **basic(stack.client_id, stack.client_secret)}
    answer = http.post("/introspect", data={"token": token}, headers=auth).json()
    assert answer["active"] is True
    assert answer["cnf"] == {"jkt": key.thumbprint()}
    assert answer["token_type"] == "DPoP"


def test_client_that_requires_dpop_is_refused_without_a_proof(
    sqlite_served: tuple[Stack, httpx.Client],
) -> None:
    """A client whose record requires DPoP gets invalid_dpop_proof without a proof, a
    bound token with one."""
    stack, http = sqlite_served
    stack.service.set_client_require_dpop(stack.client_id, True)
    auth = {**FORM, **basic(stack.client_id, stack.client_secret)}
    form = {"grant_type": "client_credentials"}
    assert_oauth_error(http.post("/token", data=form, headers=auth), 400, "invalid_dpop_proof")
    key = JWK.generate("ES256")
    bound = http.post("/token", data=form, headers={**auth, "DPoP": _proof(stack, key)})
    assert bound.status_code == 200, bound.text


def test_discovery_lists_the_proof_algorithms(sqlite_served: tuple[Stack, httpx.Client]) -> None:
    """The metadata advertises dpop_signing_alg_values_supported (§5.1)."""
    _, http = sqlite_served
    document = http.get("/.well-known/oauth-authorization-server").json()
    assert "ES256" in document["dpop_signing_alg_values_supported"]
    assert "HS256" not in document["dpop_signing_alg_values_supported"]


def test_refresh_token_introspection_shows_the_family_binding(
    sqlite_served: tuple[Stack, httpx.Client],
) -> None:
    """Introspecting a key-bound refresh token returns its cnf.jkt."""
    stack, http = sqlite_served
    key = JWK.generate("ES256")
    pair = _login(stack, http, key)
    auth = {**FORM, **basic(stack.client_id, stack.client_secret)}
    answer = http.post("/introspect", data={"token": pair["refresh_token"]}, headers=auth)
    assert answer.json()["cnf"] == {"jkt": key.thumbprint()}


def test_malformed_proof_is_a_400_never_a_500(sqlite_served: tuple[Stack, httpx.Client]) -> None:
    """Garbage, two headers, or a proof with ath at /token: invalid_dpop_proof, 400."""
    stack, http = sqlite_served
    key = JWK.generate("ES256")
    body = {"username": "alice", "password": PASSWORD}
    for headers in (
        [("DPoP", "not.a.proof")],
        [("DPoP", _proof(stack, key, LOGIN_URL)), ("DPoP", _proof(stack, key, LOGIN_URL))],
        [("DPoP", "x" * 10_000)],
    ):
        response = http.post("/login", json=body, headers=headers)
        assert_oauth_error(response, 400, "invalid_dpop_proof")


def test_openapi_documents_the_dpop_header_and_nonce(
    sqlite_served: tuple[Stack, httpx.Client],
) -> None:
    """/openapi.json names the DPoP request header and the DPoP-Nonce answers of both
    token endpoints."""
    _, http = sqlite_served
    paths = http.get("/openapi.json").json()["paths"]
    for path in ("/login", "/token"):
        operation = paths[path]["post"]
        assert [p["name"] for p in operation["parameters"] if p["in"] == "header"] == ["DPoP"]
        assert "DPoP-Nonce" in operation["responses"]["400"]["headers"]
        assert "DPoP-Nonce" in operation["responses"]["200"]["headers"]


@pytest.mark.redis
def test_replay_through_redis_when_configured(tmp_path: Path) -> None:
    """[dpop] replay = "redis" keeps used proofs in [storage] redis_url: a replay is refused."""
    from backend_servers import REDIS_URL, redis_down

    reason = redis_down()
    if reason:
        unavailable("Redis", reason)
    import redis

    prefix = f"gh_test:{secrets.token_hex(6)}:"
    stack = make_stack(
        tmp_path,
        GATEHOUSE_STORAGE_REDIS_URL=REDIS_URL,
        GATEHOUSE_STORAGE_REDIS_PREFIX=prefix,
        GATEHOUSE_DPOP_REPLAY="redis",
    )
    client = redis.Redis.from_url(REDIS_URL)
    try:
        for http in _serve(stack):
            key = JWK.generate("ES256")
            pair = _login(stack, http, key)
            proof = _proof(stack, key)
            form = {"grant_type": "refresh_token", "refresh_token": pair["refresh_token"]}
            ok = http.post("/token", data=form, headers={**FORM, "DPoP": proof})
            assert ok.status_code == 200, ok.text
            assert list(client.scan_iter(match=prefix + "dpop:*"))
            again = http.post("/token", data=form, headers={**FORM, "DPoP": proof})
            assert_oauth_error(again, 400, "invalid_dpop_proof")
    finally:
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)
        client.close()

"""GET /statuslists/{id} over real HTTP, and the proof: a protected service refuses a
logged-out, reuse-revoked or disabled-client token within ttl + one fetch, having asked
the token service for nothing but the JWKS and the list (draft-ietf-oauth-status-list)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from server import run_asgi_in_thread
from service_helpers import API, ISSUER, PASSWORD, basic
from service_stack import Stack, make_stack
from status_list_proof import TEST_AGENT, AccessLog, protected_app

from gatehouse.jose import decode_unverified

TTL = 60


def list_path(token: str) -> str:
    uri = decode_unverified(token)[1]["status"]["status_list"]["uri"]
    assert uri.startswith(f"{ISSUER}/statuslists/")
    return uri.removeprefix(ISSUER)


def test_list_token_headers_and_conditional_get(http: httpx.Client) -> None:
    """200 statuslist+jwt with max-age = ttl and a strong ETag; If-None-Match → 304."""
    pair = http.post("/login", json={"username": "alice", "password": PASSWORD}).json()
    path = list_path(pair["access_token"])
    first = http.get(path)
    assert first.status_code == 200
    assert first.headers["content-type"] == "application/statuslist+jwt"
    assert first.headers["cache-control"] == f"public, max-age={TTL}"
    etag = first.headers["etag"]
    assert etag.startswith('"')
    header, claims = decode_unverified(first.text)
    assert header["typ"] == "statuslist+jwt"
    assert (claims["sub"], claims["ttl"]) == (ISSUER + path, TTL)
    again = http.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert http.get(path, headers={"If-None-Match": f'"x", W/{etag}'}).status_code == 304
    http.post("/logout", json={"refresh_token": pair["refresh_token"]})
    changed = http.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag


@pytest.mark.parametrize("list_id", ["999", "0", "007", "abc", "9" * 40, "-1", "1.5"])
def test_unknown_or_malformed_ids_are_json_404(http: httpx.Client, list_id: str) -> None:
    """No such list (or not a list number at all): 404 with an RFC 6749-style JSON body."""
    response = http.get(f"/statuslists/{list_id}")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_discovery_and_aggregation(http: httpx.Client) -> None:
    """Metadata names the aggregation endpoint (§9.1); it lists the served lists (§9.3)."""
    meta = http.get("/.well-known/oauth-authorization-server").json()
    assert meta["status_list_aggregation_endpoint"] == f"{ISSUER}/statuslists"
    assert meta["status_list_ttl"] == TTL
    pair = http.post("/login", json={"username": "alice", "password": PASSWORD}).json()
    listed = http.get("/statuslists").json()["status_lists"]
    assert listed == [ISSUER + list_path(pair["access_token"])]


@pytest.fixture
def proof(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """The token service behind an access log, a protected service, and a test client."""
    stack = make_stack(tmp_path)
    log = AccessLog(stack.app)
    try:
        with run_asgi_in_thread(log) as auth_url:
            app, fetcher = protected_app(auth_url, API, stack.clock)
            with (
                run_asgi_in_thread(app) as service_url,
                httpx.Client(timeout=10, headers={"User-Agent": TEST_AGENT}) as http,
            ):
                yield {
                    "stack": stack,
                    "log": log,
                    "fetcher": fetcher,
                    "auth": auth_url,
                    "service": service_url,
                    "http": http,
                }
    finally:
        stack.stores.close()


def _call(p: dict[str, Any], token: str) -> httpx.Response:
    return p["http"].get(f"{p['service']}/whoami", headers={"Authorization": f"Bearer {token}"})


def _refused_after_ttl(p: dict[str, Any], token: str) -> None:
    """Still accepted from the cached list; refused (401 invalid_token) after ttl + 1."""
    stack: Stack = p["stack"]
    assert _call(p, token).status_code == 200  # the list cached by the verifier is fresh
    stack.clock.advance(TTL + 1)
    refused = _call(p, token)
    assert refused.status_code == 401
    assert "invalid_token" in refused.headers["www-authenticate"]
    services = p["log"].from_services()
    assert set(services) <= {"/.well-known/jwks.json", list_path(token)}, services
    assert services.count("/.well-known/jwks.json") == 1
    assert services.count(list_path(token)) == 2  # the first fetch and one revalidation
    assert len(p["fetcher"].urls) == 2


def test_logout_is_refused_by_the_service(proof: dict[str, Any]) -> None:
    """Login → 200 at the service; logout → the same token refused within ttl + one fetch."""
    http = proof["http"]
    pair = http.post(
        f"{proof['auth']}/login", json={"username": "alice", "password": PASSWORD}
    ).json()
    assert _call(proof, pair["access_token"]).status_code == 200
    assert http.post(
        f"{proof['auth']}/logout", json={"refresh_token": pair["refresh_token"]}
    ).json() == {"revoked": 1}
    _refused_after_ttl(proof, pair["access_token"])


def test_refresh_reuse_is_refused_by_the_service(proof: dict[str, Any]) -> None:
    """Reuse of a spent refresh token revokes the family: its access token is refused."""
    http, auth = proof["http"], proof["auth"]
    pair = http.post(f"{auth}/login", json={"username": "alice", "password": PASSWORD}).json()
    assert _call(proof, pair["access_token"]).status_code == 200
    form = {"grant_type": "refresh_token", "refresh_token": pair["refresh_token"]}
    assert http.post(f"{auth}/token", data=form).status_code == 200
    proof["stack"].clock.advance(30)  # past the reuse grace
    reused = http.post(f"{auth}/token", data=form)
    assert reused.status_code == 400
    _refused_after_ttl(proof, pair["access_token"])


def test_disabled_client_token_is_refused_by_the_service(proof: dict[str, Any]) -> None:
    """A client-credentials token stops working at the service once the client is disabled."""
    stack: Stack = proof["stack"]
    issued = proof["http"].post(
        f"{proof['auth']}/token",
        data={"grant_type": "client_credentials", "audience": API},
        headers=basic(stack.client_id, stack.client_secret),
    )
    assert issued.status_code == 200, issued.text
    token = issued.json()["access_token"]
    assert _call(proof, token).status_code == 200
    stack.service.disable_client(stack.client_id)
    _refused_after_ttl(proof, token)


def test_in_process_verifier_of_the_dev_gateway_honours_lists(tmp_path: Path) -> None:
    """The gateway's JWT authorizer (IssuerKeySource + issuer_status_lists) refuses a
    logged-out token within ttl + one in-process fetch, with the ETag exchange."""
    from gatehouse import Verifier
    from gatehouse.errors import TokenRevokedError
    from gatehouse.service.issuer_keys import IssuerKeySource
    from gatehouse.service.issuer_status import IssuerStatusListFetcher, issuer_status_lists

    stack = make_stack(tmp_path)
    try:
        service, clock = stack.service, stack.clock
        verifier = Verifier(
            issuer=ISSUER,
            audience=API,
            keys=IssuerKeySource(service, clock=clock),
            algorithms=["ES256"],
            clock=clock,
            status_lists=issuer_status_lists(service, clock=clock),
        )
        pair = service.login("alice", PASSWORD)
        assert verifier.verify(pair.access_token).subject
        service.logout(refresh_token=pair.refresh_token)
        assert verifier.verify(pair.access_token).subject  # the cached list is fresh
        clock.advance(TTL + 1)
        with pytest.raises(TokenRevokedError):
            verifier.verify(pair.access_token)
        fetcher = IssuerStatusListFetcher(service)
        assert fetcher.fetch(f"{ISSUER}/statuslists/99", 1.0, 1 << 20, None).status == 404
        assert fetcher.fetch("https://evil.example/statuslists/1", 1.0, 1 << 20, None).status == 404
        served = fetcher.fetch(f"{ISSUER}/statuslists/1", 1.0, 1 << 20, None)
        assert fetcher.fetch(f"{ISSUER}/statuslists/1", 1.0, 1 << 20, served.etag).status == 304
    finally:
        stack.stores.close()


def test_served_list_reads_the_same_in_an_independent_implementation(http: httpx.Client) -> None:
    """The lst of GET /statuslists/1 loads with PyPI token-status-list: revoked bits 1."""
    tsl = pytest.importorskip("token_status_list")
    pairs = [
        http.post("/login", json={"username": "alice", "password": PASSWORD}).json()
        for _ in range(5)
    ]
    for pair in pairs[:2]:
        http.post("/logout", json={"refresh_token": pair["refresh_token"]})
    claims = decode_unverified(http.get("/statuslists/1").text)[1]
    theirs = tsl.BitArray.from_b64(claims["status_list"]["bits"], claims["status_list"]["lst"])
    indices = [
        decode_unverified(p["access_token"])[1]["status"]["status_list"]["idx"] for p in pairs
    ]
    assert [theirs[i] for i in indices] == [1, 1, 0, 0, 0]
    assert sum(theirs[i] for i in range(len(theirs))) == 2

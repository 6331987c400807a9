"""Keys, metadata, the OpenAPI description and the health check, over real HTTP."""

from __future__ import annotations

from pathlib import Path

import httpx
from server import run_asgi_in_thread
from service_helpers import ISSUER, PASSWORD, assert_oauth_error
from service_stack import Stack, make_stack

from gatehouse.service.app import ROUTES


def test_jwks_max_age_follows_the_rotation_plan(http: httpx.Client, stack: Stack) -> None:
    """The JWKS is cacheable for the verifier cache time the key retention allows for."""
    response = http.get("/.well-known/jwks.json")
    assert response.status_code == 200
    ttl = stack.service.config.verifier_cache_ttl
    assert response.headers["cache-control"] == f"public, max-age={ttl}"
    kids = {k["kid"] for k in response.json()["keys"]}
    assert len(kids) == 2  # ACTIVE and NEXT are published
    assert all("d" not in k for k in response.json()["keys"])


def test_jwks_shows_a_rotation_at_once(http: httpx.Client, stack: Stack) -> None:
    """After a rotation the retired key is still published beside the new ones."""
    before = {k["kid"] for k in http.get("/.well-known/jwks.json").json()["keys"]}
    stack.service.rotate_keys()
    after = {k["kid"] for k in http.get("/.well-known/jwks.json").json()["keys"]}
    assert before < after


def test_metadata_documents_describe_this_server(http: httpx.Client) -> None:
    """RFC 8414: issuer and endpoints agree with the served paths; no password grant."""
    for path in ("/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"):
        doc = http.get(path).json()
        assert doc["issuer"] == ISSUER
        assert doc["token_endpoint"] == ISSUER + "/token"
        assert doc["jwks_uri"] == ISSUER + "/.well-known/jwks.json"
        assert doc["revocation_endpoint"] == ISSUER + "/revoke"
        assert doc["introspection_endpoint"] == ISSUER + "/introspect"
        assert "password" not in doc["grant_types_supported"]


def test_openapi_describes_every_route(http: httpx.Client) -> None:
    """Every route and method the app serves is in /openapi.json, and nothing else."""
    doc = http.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    served = {(r.path, m.lower()) for r in ROUTES for m in (r.methods or ()) if m != "HEAD"}
    described = {(p, m) for p, item in doc["paths"].items() for m in item}
    assert served == described
    for item in doc["paths"].values():
        for operation in item.values():
            assert "200" in operation["responses"]


def test_health_reports_storage(http: httpx.Client) -> None:
    """The health check pings the store."""
    response = http.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_storage_down_is_503_with_retry_after(tmp_path: Path) -> None:
    """With the store gone, /health and every storage-backed endpoint answer 503 + Retry-After."""
    stack = make_stack(tmp_path)
    with run_asgi_in_thread(stack.app) as url, httpx.Client(base_url=url) as http:
        pair = http.post("/login", json={"username": "alice", "password": PASSWORD}).json()
        stack.stores.close()
        health = http.get("/health")
        assert health.status_code == 503
        assert health.headers["retry-after"].isdigit()
        for response in (
            http.post("/login", json={"username": "alice", "password": "x"}),
            http.post(
                "/token",
                data={"grant_type": "refresh_token", "refresh_token": pair["refresh_token"]},
            ),
            http.post("/revoke", data={"token": pair["refresh_token"]}),
            http.get("/.well-known/jwks.json"),
        ):
            assert_oauth_error(response, 503, "temporarily_unavailable")
            assert int(response.headers["retry-after"]) > 0

"""DPoP through the ASGI middleware, the FastAPI dependency, the WSGI middleware and Flask."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import Depends, FastAPI
from flask import Flask
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gatehouse import Claims, ManualClock, Verifier
from gatehouse.adapters import asgi, wsgi
from gatehouse.dpop import DPoPVerifier, StatelessNonces, make_proof
from gatehouse.jose import JWK

from .conftest import Mint

Send = Callable[..., httpx.Response]


@pytest.fixture(scope="module")
def client_key() -> JWK:
    """The client's DPoP key."""
    return JWK.generate("ES256")


@pytest.fixture
def dpop(verifier: Verifier, clock: ManualClock) -> DPoPVerifier:
    """A DPoPVerifier on the shared clock; in-memory replay cache, no nonces."""
    return DPoPVerifier(verifier, clock=clock)


async def _orders(request: Request) -> Response:
    claims: Claims = request.auth
    return JSONResponse({"sub": claims.subject})


def _starlette(dpop: DPoPVerifier, **options: Any) -> Starlette:
    middleware = Middleware(asgi.BearerAuthMiddleware, verifier=dpop, **options)
    return Starlette(routes=[Route("/orders/{n}", _orders)], middleware=[middleware])


def _fastapi(dpop: DPoPVerifier) -> FastAPI:
    app = FastAPI()
    required = Depends(asgi.RequireScopes(dpop, ["orders:read"]))

    @app.get("/orders/{n}")
    async def orders(claims: Claims = required) -> Any:
        return {"sub": claims.subject}

    return app


def _wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [environ[wsgi.CLAIMS_KEY].subject.encode()]


def _flask(dpop: DPoPVerifier) -> Flask:
    app = Flask(__name__)

    @app.get("/orders/<n>")
    @wsgi.require_token(dpop, scopes=["orders:read"])
    def orders(n: str) -> str:
        return wsgi.current_claims().subject or ""

    return app


def _asgi_sender(app: Any, base: str = "http://api.test") -> Send:
    def send(method: str, path: str, headers: dict[str, str]) -> httpx.Response:
        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url=base) as client:
                return await client.request(method, path, headers=headers)

        return asyncio.run(go())

    return send


def _wsgi_sender(app: Any, base: str = "http://api.test") -> Send:
    def send(method: str, path: str, headers: dict[str, str]) -> httpx.Response:
        with httpx.Client(transport=httpx.WSGITransport(app=app), base_url=base) as client:
            return client.request(method, path, headers=headers)

    return send


def _senders(dpop: DPoPVerifier) -> dict[str, Send]:
    return {
        "starlette": _asgi_sender(_starlette(dpop)),
        "fastapi": _asgi_sender(_fastapi(dpop)),
        "wsgi": _wsgi_sender(wsgi.BearerAuthMiddleware(_wsgi_app, dpop)),
        "flask": _wsgi_sender(_flask(dpop)),
    }


KINDS = ["starlette", "fastapi", "wsgi", "flask"]


def _dpop_headers(key: JWK, token: str, url: str, clock: ManualClock, **kw: Any) -> dict[str, str]:
    proof = make_proof(key, method="GET", url=url, now=clock.time(), access_token=token, **kw)
    return {"Authorization": f"DPoP {token}", "DPoP": proof}


@pytest.mark.parametrize("kind", KINDS)
def test_dpop_request_is_served_once(
    kind: str, dpop: DPoPVerifier, mint: Mint, client_key: JWK, clock: ManualClock
) -> None:
    """A bound token with a fresh proof is served; replaying that proof is 401 with the DPoP
    challenge; the bound token as Bearer is 401 invalid_token (§7.2)."""
    send = _senders(dpop)[kind]
    token = mint(cnf={"jkt": client_key.thumbprint()})
    headers = _dpop_headers(client_key, token, "http://api.test/orders/1?page=2", clock)
    assert send("GET", "/orders/1?page=2", headers).status_code == 200
    replay = send("GET", "/orders/1?page=2", headers)
    assert replay.status_code == 401
    assert (
        'DPoP realm="gatehouse", error="invalid_dpop_proof"' in replay.headers["www-authenticate"]
    )
    assert 'algs="' in replay.headers["www-authenticate"]
    downgrade = send("GET", "/orders/1", {"Authorization": f"Bearer {token}"})
    assert downgrade.status_code == 401
    assert (
        'Bearer realm="gatehouse", error="invalid_token"' in downgrade.headers["www-authenticate"]
    )


@pytest.mark.parametrize("kind", KINDS)
def test_proof_for_another_url_or_method_is_refused(
    kind: str, dpop: DPoPVerifier, mint: Mint, client_key: JWK, clock: ManualClock
) -> None:
    """A proof for another path or method is 401 invalid_dpop_proof."""
    send = _senders(dpop)[kind]
    token = mint(cnf={"jkt": client_key.thumbprint()})
    other = _dpop_headers(client_key, token, "http://api.test/orders/2", clock)
    assert send("GET", "/orders/1", other).status_code == 401
    post = make_proof(
        client_key,
        method="POST",
        url="http://api.test/orders/1",
        now=clock.time(),
        access_token=token,
    )
    response = send("GET", "/orders/1", {"Authorization": f"DPoP {token}", "DPoP": post})
    assert response.status_code == 401
    assert "another HTTP method" in response.headers["www-authenticate"]


@pytest.mark.parametrize("kind", ["starlette", "wsgi"])
def test_forwarded_scheme_and_host_count_only_from_trusted_proxies(
    kind: str, dpop: DPoPVerifier, mint: Mint, client_key: JWK, clock: ManualClock
) -> None:
    """Behind a trusted proxy the proof names the public https URL; from an untrusted peer the
    same forwarding headers are ignored and that proof is refused."""
    token = mint(cnf={"jkt": client_key.thumbprint()})

    def sender(trusted: list[str]) -> Send:
        if kind == "starlette":
            return _asgi_sender(_starlette(dpop, trusted_proxies=trusted))
        return _wsgi_sender(wsgi.BearerAuthMiddleware(_wsgi_app, dpop, trusted_proxies=trusted))

    def headers() -> dict[str, str]:
        found = _dpop_headers(client_key, token, "https://api.example.com/orders/1", clock)
        return {**found, "X-Forwarded-Proto": "https", "X-Forwarded-Host": "api.example.com"}

    # httpx's in-process transports report the peer as 127.0.0.1.
    assert sender(["127.0.0.1"])("GET", "/orders/1", headers()).status_code == 200
    refused = sender(["10.0.0.0/8"])("GET", "/orders/1", headers())
    assert refused.status_code == 401
    assert "another URL" in refused.headers["www-authenticate"]


@pytest.mark.parametrize("kind", KINDS)
def test_nonce_challenge_then_retry(
    kind: str, verifier: Verifier, mint: Mint, client_key: JWK, clock: ManualClock
) -> None:
    """§9: a proof without the server nonce is 401 use_dpop_nonce with DPoP-Nonce; the retry
    carrying it is served."""
    nonces = StatelessNonces(b"n" * 32, context="http://api.test", clock=clock)
    send = _senders(DPoPVerifier(verifier, nonces=nonces, clock=clock))[kind]
    token = mint(cnf={"jkt": client_key.thumbprint()})
    first = send(
        "GET", "/orders/1", _dpop_headers(client_key, token, "http://api.test/orders/1", clock)
    )
    assert first.status_code == 401
    assert 'error="use_dpop_nonce"' in first.headers["www-authenticate"]
    nonce = first.headers["dpop-nonce"]
    retry = _dpop_headers(client_key, token, "http://api.test/orders/1", clock, nonce=nonce)
    assert send("GET", "/orders/1", retry).status_code == 200


@pytest.mark.parametrize("kind", KINDS)
def test_unbound_bearer_tokens_still_work(kind: str, dpop: DPoPVerifier, mint: Mint) -> None:
    """A DPoP-capable resource still serves a plain Bearer token (allow_bearer default)."""
    send = _senders(dpop)[kind]
    assert send("GET", "/orders/1", {"Authorization": f"Bearer {mint()}"}).status_code == 200


@pytest.mark.parametrize("kind", ["starlette", "wsgi"])
def test_served_dpop_request_carries_the_current_nonce(
    kind: str, verifier: Verifier, mint: Mint, client_key: JWK, clock: ManualClock
) -> None:
    """§8.2: under a nonce policy the middlewares send DPoP-Nonce with a served DPoP request,
    and nothing extra with a Bearer one."""
    nonces = StatelessNonces(b"n" * 32, context="http://api.test", clock=clock)
    send = _senders(DPoPVerifier(verifier, nonces=nonces, clock=clock))[kind]
    token = mint(cnf={"jkt": client_key.thumbprint()})
    url = "http://api.test/orders/1"
    nonce = send("GET", "/orders/1", _dpop_headers(client_key, token, url, clock)).headers[
        "dpop-nonce"
    ]
    served = send("GET", "/orders/1", _dpop_headers(client_key, token, url, clock, nonce=nonce))
    assert served.status_code == 200
    assert served.headers["dpop-nonce"] == nonce
    plain = send("GET", "/orders/1", {"Authorization": f"Bearer {mint()}"})
    assert plain.status_code == 200
    assert "dpop-nonce" not in plain.headers

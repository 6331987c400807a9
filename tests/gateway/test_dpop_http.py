"""DPoP over real HTTP without the token service: a bound token minted here, a Starlette app
under uvicorn behind the ASGI middleware, proofs sent by httpx over a socket."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from asgi_server import run_asgi_in_thread
from gatehouse import JWKS, ManualClock, Verifier
from gatehouse.adapters.asgi import BearerAuthMiddleware
from gatehouse.dpop import DPoPVerifier, StatelessNonces, make_proof
from gatehouse.jose import JWK, encode_jwt

ISSUER = "https://auth.example.com"
AUDIENCE = "orders"
CLOCK = ManualClock(wall=1_700_000_000.0)  # the server's and the client's: no wall clock


async def _orders(request: Request) -> Response:
    return JSONResponse({"sub": request.auth.subject})


@pytest.fixture(scope="module")
def issuer_key() -> JWK:
    """The issuer's signing key (the token service is not needed to mint a bound token)."""
    return JWK.generate("ES256")


@pytest.fixture(scope="module")
def client_key() -> JWK:
    """The client's DPoP key."""
    return JWK.generate("ES256")


@pytest.fixture(scope="module")
def server(issuer_key: JWK) -> Iterator[str]:
    """The protected app under uvicorn on a free port, server nonces required."""
    verifier = Verifier(
        issuer=ISSUER,
        audience=AUDIENCE,
        keys=JWKS.from_dict({"keys": [issuer_key.public().to_dict()]}),
        algorithms=["ES256"],
        clock=CLOCK,
    )
    nonces = StatelessNonces(b"n" * 32, context="orders", clock=CLOCK)
    dpop = DPoPVerifier(verifier, nonces=nonces, clock=CLOCK)
    middleware = Middleware(BearerAuthMiddleware, verifier=dpop)
    app = Starlette(routes=[Route("/orders/{n}", _orders)], middleware=[middleware])
    with run_asgi_in_thread(app, lifespan="off") as url:
        yield url


def _token(issuer_key: JWK, client_key: JWK) -> str:
    now = int(CLOCK.time())
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "alice",
        "exp": now + 300,
        "iat": now,
        "jti": "t-1",
        "client_id": "web",
        "scope": "orders:read",
        "cnf": {"jkt": client_key.thumbprint()},
    }
    return encode_jwt(claims, issuer_key, "ES256", typ="at+jwt")


def test_bound_token_over_http(server: str, issuer_key: JWK, client_key: JWK) -> None:
    """Nonce challenge then 200 with a fresh proof; the replayed proof is 401
    invalid_dpop_proof; the token as Bearer is 401 invalid_token."""
    token = _token(issuer_key, client_key)
    url = f"{server}/orders/7"

    def headers(**kw: Any) -> dict[str, str]:
        proof = make_proof(
            client_key, method="GET", url=url, now=CLOCK.time(), access_token=token, **kw
        )
        return {"Authorization": f"DPoP {token}", "DPoP": proof}

    with httpx.Client(timeout=10) as http:
        challenged = http.get(url, headers=headers())
        assert challenged.status_code == 401
        assert 'error="use_dpop_nonce"' in challenged.headers["www-authenticate"]
        assert challenged.headers["cache-control"] == "no-store"
        nonce = challenged.headers["dpop-nonce"]

        good = headers(nonce=nonce)
        served = http.get(url, headers=good)
        assert served.status_code == 200
        assert served.json() == {"sub": "alice"}

        replayed = http.get(url, headers=good)
        assert replayed.status_code == 401
        assert 'error="invalid_dpop_proof"' in replayed.headers["www-authenticate"]
        assert replayed.json()["error"] == "invalid_dpop_proof"

        bearer = http.get(url, headers={"Authorization": f"Bearer {token}"})
        assert bearer.status_code == 401
        assert (
            'Bearer realm="gatehouse", error="invalid_token"' in bearer.headers["www-authenticate"]
        )

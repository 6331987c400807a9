"""Every adapter takes a Verifier, so one ``status_lists=`` setting turns the check on in all."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, MutableMapping
from typing import Any

from gatehouse import JWKS, ManualClock, Verifier
from gatehouse.adapters.asgi import BearerAuthMiddleware as ASGIAuth
from gatehouse.adapters.aws_lambda import require_token
from gatehouse.adapters.wsgi import BearerAuthMiddleware as WSGIAuth
from gatehouse.jose import JWK, encode_jwt
from gatehouse.keys.status_lists import RemoteStatusLists

from .conftest import Site, list_token


def _setup(site: Site, key: JWK) -> tuple[Verifier, str, str]:
    clock = ManualClock()
    site.publisher.serve(list_token(key, site.uri(), clock, revoked=(9,)))
    verifier = Verifier(
        issuer=site.issuer,
        audience="orders",
        keys=JWKS([key.public()]),
        algorithms=["ES256"],
        clock=clock,
        status_lists=RemoteStatusLists(),
    )

    def token(idx: int) -> str:
        claims = {
            "iss": site.issuer,
            "sub": "alice",
            "aud": "orders",
            "exp": int(clock.time()) + 600,
            "status": {"status_list": {"idx": idx, "uri": site.uri()}},
        }
        return encode_jwt(claims, key, "ES256")

    return verifier, token(1), token(9)


def test_lambda_decorator_refuses_a_revoked_token(site: Site, signing_key: JWK) -> None:
    """require_token: 200 for a VALID entry, 401 invalid_token for a revoked one."""
    verifier, good, revoked = _setup(site, signing_key)

    @require_token(verifier)
    def handler(event: dict[str, Any], context: Any, *, claims: Any) -> dict[str, Any]:
        return {"statusCode": 200, "body": claims["sub"]}

    def event(token: str) -> dict[str, Any]:
        return {
            "version": "2.0",
            "rawPath": "/orders",
            "headers": {"authorization": f"Bearer {token}"},
            "requestContext": {"http": {"method": "GET", "path": "/orders"}},
        }

    assert handler(event(good), None)["statusCode"] == 200
    refused = handler(event(revoked), None)
    assert refused["statusCode"] == 401
    assert json.loads(refused["body"])["error"] == "invalid_token"


def test_asgi_and_wsgi_refuse_a_revoked_token(site: Site, signing_key: JWK) -> None:
    """BearerAuthMiddleware (ASGI and WSGI): the revoked token gets 401, the valid one passes."""
    verifier, good, revoked = _setup(site, signing_key)

    async def asgi_app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def asgi_status(token: str) -> int:
        sent: list[MutableMapping[str, Any]] = []

        async def send(message: MutableMapping[str, Any]) -> None:
            sent.append(message)

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b""}

        scope = {
            "type": "http",
            "path": "/orders",
            "headers": [(b"authorization", f"Bearer {token}".encode())],
        }
        await ASGIAuth(asgi_app, verifier)(scope, receive, send)
        return int(sent[0]["status"])

    assert asyncio.run(asgi_status(good)) == 200
    assert asyncio.run(asgi_status(revoked)) == 401

    def wsgi_app(environ: Any, start_response: Any) -> list[bytes]:
        start_response("200 OK", [])
        return [b"ok"]

    def wsgi_status(token: str) -> str:
        seen: list[str] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], object]:
            seen.append(status)
            return lambda data: None

        environ = {"PATH_INFO": "/orders", "HTTP_AUTHORIZATION": f"Bearer {token}"}
        WSGIAuth(wsgi_app, verifier)(environ, start_response)
        return seen[0]

    assert wsgi_status(good).startswith("200")
    assert wsgi_status(revoked).startswith("401")
    assert site.publisher.count == 1

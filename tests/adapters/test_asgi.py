"""The ASGI middleware in a real Starlette app and the dependency in a real FastAPI app."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from fastapi import Depends, FastAPI
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from gatehouse import Claims, ManualClock, RemoteJWKS, Verifier
from gatehouse.adapters.asgi import BearerAuthMiddleware, RequireScopes
from gatehouse.jose import JWK

from .conftest import (
    AUDIENCE,
    ISSUER,
    AsyncRevokedSessions,
    DownDenyList,
    Mint,
    RevokedSessions,
)


async def _orders(request: Request) -> Response:
    claims: Claims = request.auth
    return JSONResponse({"sub": claims.subject, "scopes": sorted(claims.scopes)})


async def _health(request: Request) -> Response:
    return PlainTextResponse("ok")


async def _feed(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text(websocket.scope["auth"].subject)
    await websocket.close()


def _starlette(verifier: Verifier, **options: Any) -> Starlette:
    routes = [
        Route("/orders", _orders),
        Route("/admin/users", _orders),
        Route("/health", _health),
        WebSocketRoute("/feed", _feed),
    ]
    middleware = Middleware(
        BearerAuthMiddleware,
        verifier=verifier,
        scopes=["orders:read"],
        path_scopes={"/admin": ["orders:admin"]},
        public_paths=["/health"],
        **options,
    )
    return Starlette(routes=routes, middleware=[middleware])


class Client:
    """A synchronous face over httpx's in-process ASGI transport."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def request(
        self, method: str, path: str, headers: Mapping[str, str] | None = None
    ) -> httpx.Response:
        async def call() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
                return await http.request(method, path, headers=headers)

        return asyncio.run(call())

    def get(self, path: str, headers: Mapping[str, str] | None = None) -> httpx.Response:
        return self.request("GET", path, headers)

    def post(self, path: str, headers: Mapping[str, str] | None = None) -> httpx.Response:
        return self.request("POST", path, headers)

    def websocket(self, path: str, headers: Mapping[str, str] | None = None) -> list[Any]:
        """Open a WebSocket through the raw ASGI interface; return what the app sent."""
        incoming = [{"type": "websocket.connect"}, {"type": "websocket.disconnect", "code": 1000}]
        sent: list[Any] = []

        async def receive() -> dict[str, Any]:
            return incoming.pop(0)

        async def send(message: Any) -> None:
            sent.append(message)

        scope = {
            "type": "websocket",
            "asgi": {"version": "3.0"},
            "scheme": "ws",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
            "client": ("127.0.0.1", 50000),
            "server": ("test", 80),
            "subprotocols": [],
        }
        asyncio.run(self.app(scope, receive, send))
        return sent


@pytest.fixture
def client(verifier: Verifier) -> Client:
    """A Starlette app protected by the middleware."""
    return Client(_starlette(verifier))


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_valid_token_reaches_the_route_as_request_auth(client: Client, mint: Mint) -> None:
    """The verified claims are request.auth in the route."""
    response = client.get("/orders", headers=_bearer(mint(sub="alice")))
    assert response.status_code == 200
    assert response.json() == {"sub": "alice", "scopes": ["orders:read"]}


def test_missing_token_gets_a_bare_challenge(client: Client) -> None:
    """No credentials: 401 and a challenge without an error code (RFC 6750 §3.1)."""
    response = client.get("/orders")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="gatehouse"'
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"] == "invalid_token"


@pytest.mark.parametrize(
    ("overrides", "description"),
    [
        ({"exp": 1_700_000_000 - 60}, "The access token has expired."),
        ({"aud": "billing"}, "The access token is not meant for this audience."),
        ({"iss": "https://evil.example"}, "The access token was issued by an unexpected issuer."),
    ],
)
def test_unacceptable_tokens_are_401_invalid_token(
    client: Client, mint: Mint, overrides: dict[str, Any], description: str
) -> None:
    """Expired, wrong-audience and wrong-issuer tokens get 401 invalid_token."""
    token = mint(**overrides)
    response = client.get("/orders", headers=_bearer(token))
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_token", "error_description": description}
    assert token not in response.text
    assert token not in response.headers["www-authenticate"]


def test_garbage_token_is_401(client: Client) -> None:
    """A token that is not a JWT is refused as malformed."""
    response = client.get("/orders", headers={"Authorization": "Bearer garbage"})
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_path_scopes_add_to_the_global_scopes(client: Client, mint: Mint) -> None:
    """/admin needs orders:admin on top of orders:read: 403 advertising both."""
    response = client.get("/admin/users", headers=_bearer(mint()))
    assert response.status_code == 403
    assert response.headers["www-authenticate"].endswith('scope="orders:read orders:admin"')
    admin = mint(scope="orders:read orders:admin")
    assert client.get("/admin/users", headers=_bearer(admin)).status_code == 200


def test_public_paths_need_no_token(client: Client) -> None:
    """A public prefix passes through untouched."""
    assert client.get("/health").text == "ok"


def test_websocket_needs_a_token(client: Client, mint: Mint) -> None:
    """A WebSocket without a token is closed with 1008; with one it gets the claims."""
    refused = client.websocket("/feed")
    assert refused == [{"type": "websocket.close", "code": 1008}]
    accepted = client.websocket("/feed", headers=_bearer(mint(sub="ws-user")))
    assert accepted[0]["type"] == "websocket.accept"
    assert accepted[1] == {"type": "websocket.send", "text": "ws-user"}


@pytest.mark.parametrize("deny_list_type", [RevokedSessions, AsyncRevokedSessions])
def test_deny_list_revokes_at_once(
    verifier: Verifier, mint: Mint, deny_list_type: type[RevokedSessions]
) -> None:
    """Revoking the session makes the next request 401, sync or async deny list alike."""
    deny_list = deny_list_type()
    token = mint(sid="s-1")
    test_client = Client(_starlette(verifier, deny_list=deny_list))
    assert test_client.get("/orders", headers=_bearer(token)).status_code == 200
    deny_list.session_ids.add("s-1")
    response = test_client.get("/orders", headers=_bearer(token))
    assert response.status_code == 401
    assert response.json()["error_description"] == "The access token has been revoked."
    if isinstance(deny_list, AsyncRevokedSessions):
        assert deny_list.async_calls == 2
        assert deny_list.calls == 0


def test_deny_list_down_is_503(verifier: Verifier, mint: Mint) -> None:
    """An unreachable deny-list store fails closed with 503."""
    test_client = Client(_starlette(verifier, deny_list=DownDenyList()))
    response = test_client.get("/orders", headers=_bearer(mint()))
    assert response.status_code == 503
    assert "www-authenticate" not in response.headers


def test_unreachable_jwks_is_503(mint: Mint, clock: ManualClock, closed_port: int) -> None:
    """Keys that cannot be fetched answer 503 temporarily_unavailable."""
    keys = RemoteJWKS(f"http://127.0.0.1:{closed_port}/jwks.json", clock=clock, timeout=2)
    verifier = Verifier(
        issuer=ISSUER, audience=AUDIENCE, keys=keys, algorithms=["ES256"], clock=clock
    )
    test_client = Client(_starlette(verifier))
    response = test_client.get("/orders", headers=_bearer(mint()))
    assert response.status_code == 503
    assert response.json()["error"] == "temporarily_unavailable"


def _fastapi(verifier: Verifier, *, with_middleware: bool = False) -> FastAPI:
    app = FastAPI()
    read = RequireScopes(verifier, ["orders:read"])
    write = RequireScopes(verifier, ["orders:write"])

    @app.get("/orders")
    async def list_orders(claims: Claims = Depends(read)) -> dict[str, Any]:  # noqa: B008
        return {"sub": claims.subject}

    @app.post("/orders")
    async def create_order(claims: Claims = Depends(write)) -> dict[str, Any]:  # noqa: B008
        return {"created_by": claims.subject}

    @app.websocket("/feed")
    async def feed(websocket: WebSocket, claims: Claims = Depends(read)) -> None:  # noqa: B008
        await websocket.accept()
        await websocket.send_text(str(claims.subject))
        await websocket.close()

    if with_middleware:
        app.add_middleware(BearerAuthMiddleware, verifier=verifier, scopes=["orders:read"])
    return app


def test_fastapi_dependency_hands_the_claims_to_the_route(verifier: Verifier, mint: Mint) -> None:
    """Depends(RequireScopes(...)) injects the verified Claims."""
    test_client = Client(_fastapi(verifier))
    response = test_client.get("/orders", headers=_bearer(mint(sub="alice")))
    assert response.status_code == 200
    assert response.json() == {"sub": "alice"}


def test_fastapi_dependency_refusals_carry_the_challenge(verifier: Verifier, mint: Mint) -> None:
    """Missing token 401 (bare challenge), missing scope 403 (insufficient_scope)."""
    test_client = Client(_fastapi(verifier))
    missing = test_client.get("/orders")
    forbidden = test_client.post("/orders", headers=_bearer(mint()))
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == 'Bearer realm="gatehouse"'
    assert forbidden.status_code == 403
    assert 'error="insufficient_scope"' in forbidden.headers["www-authenticate"]
    assert forbidden.json()["detail"]["error"] == "insufficient_scope"


def test_fastapi_openapi_schema_builds_with_the_dependency(verifier: Verifier) -> None:
    """The dependency does not leak a bogus parameter into the OpenAPI description."""
    schema = _fastapi(verifier).openapi()
    operation = schema["paths"]["/orders"]["get"]
    assert "parameters" not in operation
    assert "requestBody" not in operation


def test_fastapi_dependency_reuses_middleware_claims(verifier: Verifier, mint: Mint) -> None:
    """Behind the middleware the dependency checks only its own scopes."""
    test_client = Client(_fastapi(verifier, with_middleware=True))
    ok = test_client.post("/orders", headers=_bearer(mint(scope="orders:read orders:write")))
    forbidden = test_client.post("/orders", headers=_bearer(mint()))
    unauthenticated = test_client.get("/orders")
    assert ok.json() == {"created_by": "user-1"}
    assert forbidden.status_code == 403
    assert unauthenticated.status_code == 401
    assert json.loads(unauthenticated.text) == {
        "error": "invalid_token",
        "error_description": "A bearer token is required.",
    }


class _SlowJWKS(BaseHTTPRequestHandler):
    """Serves the key set only once the test releases it."""

    def do_GET(self) -> None:
        server: Any = self.server
        server.arrived.set()
        server.release.wait(10)
        body = json.dumps(server.document).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def slow_jwks(signing_key: JWK) -> Iterator[ThreadingHTTPServer]:
    """A real JWKS endpoint on a free loopback port that answers when released."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowJWKS)
    server.arrived = threading.Event()  # type: ignore[attr-defined]
    server.release = threading.Event()  # type: ignore[attr-defined]
    server.document = {"keys": [signing_key.public().to_dict()]}  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.release.set()  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()
    thread.join()


def test_jwks_fetch_does_not_block_the_event_loop(
    slow_jwks: ThreadingHTTPServer, mint: Mint, clock: ManualClock
) -> None:
    """While one request waits on a JWKS fetch, the same loop serves another request."""
    port = slow_jwks.server_address[1]
    keys = RemoteJWKS(f"http://127.0.0.1:{port}/jwks.json", clock=clock, timeout=10)
    verifier = Verifier(
        issuer=ISSUER, audience=AUDIENCE, keys=keys, algorithms=["ES256"], clock=clock
    )
    app = _starlette(verifier)

    async def scenario() -> tuple[int, int, bool]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            waiting = asyncio.create_task(http.get("/orders", headers=_bearer(mint())))
            await asyncio.to_thread(slow_jwks.arrived.wait, 10)  # type: ignore[attr-defined]
            other = await http.get("/health")
            still_waiting = not waiting.done()
            slow_jwks.release.set()  # type: ignore[attr-defined]
            first = await waiting
        return other.status_code, first.status_code, still_waiting

    assert asyncio.run(scenario()) == (200, 200, True)


def test_fastapi_dependency_guards_websockets(verifier: Verifier, mint: Mint) -> None:
    """On a WebSocket route the dependency closes with 1008 or hands over the claims."""
    client = Client(_fastapi(verifier))
    assert client.websocket("/feed") == [{"type": "websocket.close", "code": 1008, "reason": ""}]
    accepted = client.websocket("/feed", headers=_bearer(mint(sub="ws")))
    assert accepted[1] == {"type": "websocket.send", "text": "ws"}

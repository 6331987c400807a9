"""The real token service and a protected API under uvicorn, for the client flow tests.

The token service's issuer URL is ``https://issuer.example`` (what DPoP proofs name as
``htu``, RFC 9449 §4.2) while it listens on a free loopback port, so the flows reach it
through ``Loopback``: a real HTTP transport that only rewrites the origin it dials. The
protected API is a Starlette app behind ``BearerAuthMiddleware`` (a ``DPoPVerifier``
when asked) with its own ``ManualClock``, so a test can make it see a token expire.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from asgi_server import run_asgi_in_thread
from gatehouse import ManualClock, RemoteJWKS, Verifier
from gatehouse.adapters.asgi import BearerAuthMiddleware
from gatehouse.dpop import DPoPVerifier, StatelessNonces
from gatehouse.issuer import FAST_TEST_PROFILE, TokenService
from gatehouse.jose import b64url_encode
from gatehouse.service.app import create_app
from gatehouse.service.compose import build_stores, build_token_service
from gatehouse.service.settings import load_settings

ISSUER = "https://issuer.example"
API = "https://api.example"
PASSWORD = "correct horse battery"
WALL = 1_700_000_000.0


class Loopback(httpx.BaseTransport):
    """Real HTTP, with requests for ``origin`` sent to ``target`` (a loopback URL)."""

    def __init__(self, origin: str, target: str) -> None:
        self._origin = httpx.URL(origin)
        self._target = httpx.URL(target)
        self._inner = httpx.HTTPTransport()

    def _rewrite(self, request: httpx.Request) -> httpx.Request:
        url = request.url
        if (url.scheme, url.host, url.port) == (
            self._origin.scheme,
            self._origin.host,
            self._origin.port,
        ):
            url = url.copy_with(
                scheme=self._target.scheme, host=self._target.host, port=self._target.port
            )
        return httpx.Request(request.method, url, headers=request.headers, content=request.read())

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._inner.handle_request(self._rewrite(request))

    def close(self) -> None:
        self._inner.close()


class AsyncLoopback(httpx.AsyncBaseTransport):
    """``Loopback`` for ``httpx.AsyncClient``."""

    def __init__(self, origin: str, target: str) -> None:
        self._sync = Loopback(origin, target)
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._inner.handle_async_request(self._sync._rewrite(request))

    async def aclose(self) -> None:
        await self._inner.aclose()


@dataclass
class Served:
    """The running token service and API, their clocks, and who is registered."""

    service: TokenService
    clock: ManualClock
    api_clock: ManualClock
    auth_url: str
    api_url: str
    client_id: str
    client_secret: str
    token_requests: list[httpx.Request]
    clients: list[httpx.Client]

    def http(self) -> httpx.Client:
        """A client for the flows' token requests (to the issuer), counting them; closed
        when the stack stops."""
        client = httpx.Client(
            transport=Loopback(ISSUER, self.auth_url),
            timeout=10,
            event_hooks={"request": [self.token_requests.append]},
        )
        self.clients.append(client)
        return client

    def async_http(self) -> httpx.AsyncClient:
        """The async twin of ``http()``, counting into the same list (make it, use it and
        close it in one event loop)."""

        async def count(request: httpx.Request) -> None:
            self.token_requests.append(request)

        return httpx.AsyncClient(
            transport=AsyncLoopback(ISSUER, self.auth_url),
            timeout=10,
            event_hooks={"request": [count]},
        )


async def _whoami(request: Request) -> JSONResponse:
    claims = request.auth
    return JSONResponse(
        {"sub": claims.subject, "client_id": claims.client_id, "jti": claims.get("jti")}
    )


def verifier_for(served: Served, audience: str) -> Verifier:
    """A resource server's verifier for ``audience``, keys fetched from the token service."""
    return Verifier(
        issuer=ISSUER,
        audience=audience,
        keys=RemoteJWKS(f"{served.auth_url}/.well-known/jwks.json", clock=served.api_clock),
        algorithms=["ES256"],
        clock=served.api_clock,
    )


def _api(verifier: Verifier | DPoPVerifier) -> Any:
    return BearerAuthMiddleware(Starlette(routes=[Route("/whoami", _whoami)]), verifier)


@contextmanager
def serve(
    tmp_path: Path,
    *,
    api_dpop: bool = False,
    api_nonces: bool = False,
    audiences: str = API,
    **env: str,
) -> Iterator[Served]:
    """The token service over SQLite in ``tmp_path`` (``env``: extra settings;
    ``audiences``: the issuer's, comma-separated) and the API (``api_dpop``: DPoP
    accepted, ``api_nonces``: its nonces required)."""
    environ = {
        "GATEHOUSE_ISSUER_URL": ISSUER,
        "GATEHOUSE_ISSUER_AUDIENCES": audiences,
        "GATEHOUSE_ISSUER_DEFAULT_AUDIENCE": API,
        "GATEHOUSE_STORAGE_URL": f"sqlite:///{tmp_path / 'gatehouse.db'}",
        "GATEHOUSE_KEK": b64url_encode(secrets.token_bytes(32)),
        **env,
    }
    settings = load_settings(environ=environ)
    clock = ManualClock(wall=WALL)
    api_clock = ManualClock(wall=WALL)
    stores = build_stores(settings, clock=clock)
    with ExitStack() as exits:
        exits.callback(stores.close)
        service = build_token_service(
            settings, stores, clock=clock, password_profile=FAST_TEST_PROFILE
        )
        service.create_account("alice", PASSWORD, allowed_scopes=["read", "write"])
        registered = service.register_client(
            "orders-svc", allowed_audiences=[API], allowed_scopes=["profile:read"]
        )
        assert registered.client_secret is not None
        app = create_app(service, settings.http, ping=stores.ping, close=stores.close)
        auth_url = exits.enter_context(run_asgi_in_thread(app))
        verifier: Verifier | DPoPVerifier = Verifier(
            issuer=ISSUER,
            audience=API,
            keys=RemoteJWKS(f"{auth_url}/.well-known/jwks.json", clock=api_clock),
            algorithms=["ES256"],
            clock=api_clock,
        )
        if api_dpop:
            nonces = (
                StatelessNonces(secrets.token_bytes(32), context="api", clock=api_clock)
                if api_nonces
                else None
            )
            verifier = DPoPVerifier(verifier, nonces=nonces, clock=api_clock)
        api_url = exits.enter_context(run_asgi_in_thread(_api(verifier)))
        clients: list[httpx.Client] = []
        exits.callback(lambda: [client.close() for client in clients])
        yield Served(
            service,
            clock,
            api_clock,
            auth_url,
            api_url,
            registered.client.client_id,
            registered.client_secret,
            [],
            clients,
        )

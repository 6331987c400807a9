"""Shared pieces of the status-list proofs over real HTTP: an access log in front of the
token service, a fetcher that reaches it from the issuer's public URL, a protected app."""

from __future__ import annotations

from typing import Any

from service_helpers import ISSUER
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gatehouse import RemoteJWKS, Verifier
from gatehouse.adapters.asgi import BearerAuthMiddleware
from gatehouse.clock import Clock
from gatehouse.keys.status_fetch import StatusListResponse, UrllibStatusListFetcher
from gatehouse.keys.status_lists import RemoteStatusLists

TEST_AGENT = "status-list-test-client"
"""The User-Agent of the test's own calls (login, logout): every other request the
token service sees comes from the protected service."""


class AccessLog:
    """ASGI middleware recording (path, User-Agent) of every HTTP request."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.requests: list[tuple[str, str]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            agent = dict(scope["headers"]).get(b"user-agent", b"").decode()
            self.requests.append((scope["path"], agent))
        await self.app(scope, receive, send)

    def from_services(self) -> list[str]:
        """The paths requested by anyone but the test itself."""
        return [path for path, agent in self.requests if agent != TEST_AGENT]


class LocalFetcher:
    """The real urllib fetcher, with the issuer's public URL mapped to the local server."""

    def __init__(self, auth_url: str) -> None:
        self._inner = UrllibStatusListFetcher()
        self._auth_url = auth_url
        self.urls: list[str] = []

    def fetch(
        self, url: str, timeout: float, max_size: int, etag: str | None
    ) -> StatusListResponse:
        self.urls.append(url)
        return self._inner.fetch(url.replace(ISSUER, self._auth_url), timeout, max_size, etag)


def protected_app(auth_url: str, audience: str, clock: Clock) -> tuple[Any, LocalFetcher]:
    """An ASGI service whose Verifier checks JWKS and status lists from the token service."""
    fetcher = LocalFetcher(auth_url)
    verifier = Verifier(
        issuer=ISSUER,
        audience=audience,
        keys=RemoteJWKS(f"{auth_url}/.well-known/jwks.json", clock=clock),
        algorithms=["ES256"],
        clock=clock,
        status_lists=RemoteStatusLists(fetcher=fetcher, clock=clock),
    )

    async def whoami(request: Request) -> JSONResponse:
        return JSONResponse({"sub": request.auth.subject})

    app = BearerAuthMiddleware(Starlette(routes=[Route("/whoami", whoami)]), verifier)
    return app, fetcher

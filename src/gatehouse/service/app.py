"""The token service's ASGI application (Starlette).

``create_app`` takes a built ``TokenService``; ``gatehouse.service.compose.build_app``
builds one from settings. Starlette owns what lies around the handlers here: routing
(404, 405 and ``Allow``, the trailing-slash redirect), CORS, the lifespan. The handlers
themselves take and give ``gatehouse.service.web``'s request and response, so the Lambda
entry point reaches them without this module (``lambda_dispatch``). This module imports
Starlette and the issuer, nothing of the CLI or the gateway.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request as StarletteRequest
from starlette.routing import Route

from gatehouse.issuer.hashing_pool import SPARE_LOGIN_THREADS
from gatehouse.issuer.service import TokenService
from gatehouse.service.context import ServiceContext, service_context
from gatehouse.service.errors import http_exception_response
from gatehouse.service.routes import ROUTE_TABLE
from gatehouse.service.settings import HttpSettings
from gatehouse.service.web import Request, Response

__all__ = ["ROUTES", "app_for_context", "asgi_endpoint", "create_app"]


def asgi_endpoint(
    handler: Callable[[Request], Awaitable[Response]],
) -> Callable[[StarletteRequest], Awaitable[Response]]:
    """A Starlette endpoint over a handler: the scope's method, path, raw headers and
    peer, the app's ``ServiceContext`` and the ASGI ``receive`` become a ``web.Request``;
    the ``web.Response`` it returns is an ASGI app Starlette sends as it is."""

    @functools.wraps(handler)
    async def endpoint(request: StarletteRequest) -> Response:
        scope = request.scope
        client = scope.get("client")
        neutral = Request(
            scope["method"],
            scope["path"],
            scope["headers"],
            context=scope["app"].state.gatehouse,
            receive=request.receive,
            client_host=client[0] if client else None,
            path_params=scope.get("path_params"),
        )
        return await handler(neutral)

    return endpoint


ROUTES = [
    Route(spec.path, asgi_endpoint(spec.handler), methods=list(spec.methods))
    for spec in ROUTE_TABLE
]


def _middleware(http: HttpSettings) -> list[Middleware]:
    if not http.cors_origins:
        return []
    from starlette.middleware.cors import CORSMiddleware

    return [
        Middleware(
            CORSMiddleware,
            allow_origins=list(http.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "X-CSRF-Token"],
            allow_credentials=True,
            max_age=600,
        )
    ]


def app_for_context(ctx: ServiceContext, *, close: Callable[[], None] | None = None) -> Starlette:
    """The ASGI app over a built context (the Lambda dispatch hands it what is not a
    handler's to answer); ``close`` runs at shutdown."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if close is not None:
                close()

    handlers: dict[Any, Any] = {HTTPException: http_exception_response}
    app = Starlette(
        routes=list(ROUTES),
        middleware=_middleware(ctx.http),
        exception_handlers=handlers,
        lifespan=lifespan,
    )
    app.state.gatehouse = ctx
    return app


def create_app(
    service: TokenService,
    http: HttpSettings | None = None,
    *,
    ping: Callable[[], None],
    close: Callable[[], None] | None = None,
    inline: bool = False,
    csrf_key: bytes | None = None,
    degraded: Callable[[], tuple[str, ...]] = tuple,
) -> Starlette:
    """The ASGI app over ``service``; ``ping`` backs ``/health``, ``close`` runs at shutdown.

    ``inline=True`` runs token-service calls on the event loop instead of in worker
    threads: right for Lambda (one request per container at a time), wrong for a server.
    """
    settings = http or HttpSettings()
    limiter = anyio.CapacityLimiter(settings.hashing_workers + SPARE_LOGIN_THREADS)
    ctx = service_context(
        service,
        settings,
        ping=ping,
        inline=inline,
        csrf_key=csrf_key,
        degraded=degraded,
        login_threads=limiter,
    )
    return app_for_context(ctx, close=close)

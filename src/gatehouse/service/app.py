"""The token service's ASGI application (Starlette).

``create_app`` takes a built ``TokenService``; ``gatehouse.service.compose.build_app``
builds one from settings. This module imports Starlette and the issuer, nothing of the
CLI or the gateway, so a Lambda cold start pays only for what answers requests.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import Route

from gatehouse.errors import ConfigurationError
from gatehouse.issuer.hashing_pool import SPARE_LOGIN_THREADS
from gatehouse.issuer.service import TokenService
from gatehouse.service import routes_discovery as discovery
from gatehouse.service import routes_revocation as revocation
from gatehouse.service import routes_status as status
from gatehouse.service import routes_tokens as tokens
from gatehouse.service.context import ServiceContext
from gatehouse.service.errors import http_exception_response
from gatehouse.service.settings import HttpSettings

__all__ = ["ROUTES", "create_app"]

ROUTES = [
    Route("/login", tokens.login, methods=["POST"]),
    Route("/token", tokens.token, methods=["POST"]),
    Route("/logout", tokens.logout, methods=["POST"]),
    Route("/revoke", revocation.revoke, methods=["POST"]),
    Route("/introspect", revocation.introspect, methods=["POST"]),
    Route("/.well-known/jwks.json", discovery.jwks, methods=["GET"]),
    Route("/statuslists", status.status_lists, methods=["GET"]),
    Route("/statuslists/{list_id}", status.status_list, methods=["GET"]),
    Route("/.well-known/openid-configuration", discovery.metadata, methods=["GET"]),
    Route("/.well-known/oauth-authorization-server", discovery.metadata, methods=["GET"]),
    Route("/openapi.json", discovery.openapi, methods=["GET"]),
    Route("/health", discovery.health, methods=["GET"]),
]


def _jwks_max_age(service: TokenService, http: HttpSettings) -> int:
    """The JWKS cache time: the verifiers' cache time the rotation plan assumes, or less."""
    planned = service.config.verifier_cache_ttl
    chosen = planned if http.jwks_max_age is None else http.jwks_max_age
    if not 0 <= chosen <= planned:
        raise ConfigurationError(
            f"[http] jwks_max_age must be between 0 and [issuer] verifier_cache_ttl ({planned}):"
            " retired keys stay published only that long beyond the access-token lifetime"
        )
    return chosen


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
    login_threads = anyio.CapacityLimiter(settings.hashing_workers + SPARE_LOGIN_THREADS)
    # The CSRF key must be the same in every instance: compose derives it from the KEK.
    # Without one (tests, a single process) a random key serves this app alone.
    key = csrf_key if csrf_key is not None else secrets.token_bytes(32)
    ctx = ServiceContext(
        service,
        settings,
        ping,
        _jwks_max_age(service, settings),
        inline,
        login_threads,
        key,
        degraded,
    )

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
        middleware=_middleware(settings),
        exception_handlers=handlers,
        lifespan=lifespan,
    )
    app.state.gatehouse = ctx
    return app

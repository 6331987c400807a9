"""What clients and verifiers discover: keys, server metadata, the API description,
and whether the service can work at all (``/health``)."""

from __future__ import annotations

from typing import Any

from gatehouse.errors import StorageError
from gatehouse.service.context import ServiceContext, context_of
from gatehouse.service.errors import RETRY_AFTER_STORAGE, guarded, json_response
from gatehouse.service.web import JSONResponse, Request, Response

__all__ = ["PATHS", "health", "jwks", "metadata", "openapi", "server_metadata"]

PATHS = {
    "token": "/token",
    "revocation": "/revoke",
    "introspection": "/introspect",
    "jwks": "/.well-known/jwks.json",
    "login": "/login",
    "logout": "/logout",
}


def _public(body: Any, max_age: int) -> JSONResponse:
    return JSONResponse(body, headers={"Cache-Control": f"public, max-age={max_age}"})


@guarded
async def jwks(request: Request) -> Response:
    """RFC 7517 §5. ``max-age`` is at most the verifiers' cache time the rotation plan
    allows for, so a cached copy never outlives a retired key's publication."""
    ctx = context_of(request)
    document = await ctx.call(ctx.service.jwks)
    return _public(document, ctx.jwks_max_age)


def server_metadata(ctx: ServiceContext) -> dict[str, Any]:
    """RFC 8414 §2, with the endpoints this app serves."""
    return ctx.service.metadata(
        token_path=PATHS["token"],
        jwks_path=PATHS["jwks"],
        revocation_path=PATHS["revocation"],
        introspection_path=PATHS["introspection"],
    )


@guarded
async def metadata(request: Request) -> Response:
    ctx = context_of(request)
    return _public(server_metadata(ctx), ctx.jwks_max_age)


@guarded
async def openapi(request: Request) -> Response:
    from gatehouse.service.openapi import openapi_document  # ~280 lines no login needs

    return _public(openapi_document(context_of(request).service.config.issuer), 3600)


@guarded
async def health(request: Request) -> Response:
    """Ready only if the store answers: a load balancer should route elsewhere if not."""
    ctx = context_of(request)
    try:
        await ctx.call(ctx.ping)
    except StorageError:
        return json_response(
            {"status": "unavailable", "storage": "down"},
            status=503,
            headers={"Retry-After": str(RETRY_AFTER_STORAGE)},
        )
    down = await ctx.call(ctx.degraded)
    if down:
        # Serving, with less: e.g. Redis down, the login throttle on the main store.
        return json_response({"status": "degraded", "storage": "up", "down": list(down)})
    return json_response({"status": "ok", "storage": "up"})

"""The local gateway: one ASGI app in front of the token service and the functions.

A request matching a function's route becomes an API Gateway event, passes that
function's auth (none, the JWT authorizer with signature checks against the token
service's own keys, or a Lambda authorizer with API Gateway's cache), and the handler
runs in a worker thread, so a handler that calls back into this server (orders → token
service → profile) never blocks the event loop. Anything else goes to the token
service. A handler that raises answers 502 like API Gateway and the server keeps going.
Each request is logged with its route, status, latency and auth decision.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from collections.abc import Awaitable, Callable, MutableMapping
from types import SimpleNamespace
from typing import Any

from anyio import to_thread

from gatehouse.adapters.bearer import read_credentials
from gatehouse.errors import (
    ConfigurationError,
    GatehouseError,
    InsufficientScopeError,
    TokenError,
)
from gatehouse.functions.spec import Protection
from gatehouse.gateway.events import DevRequest, authorizer_event, http_response, proxy_event
from gatehouse.gateway.handlers import DevFunction
from gatehouse.verify import Verifier

__all__ = ["DevGateway"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]
]
MAX_BODY = 6 * 1024 * 1024
"""Lambda's limit on a synchronous invocation's payload (6 MB): a larger request can never
reach a deployed function (API Gateway answers 413), so it must not reach one locally."""


async def _read_body(receive: Callable[[], Awaitable[Message]]) -> bytes | None:
    chunks, size = [], 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


async def _send(
    send: Callable[[Message], Awaitable[None]],
    status: int,
    headers: list[tuple[str, str]],
    body: bytes,
) -> None:
    raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers if k != "content-length"]
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def _forwarded(scope: Scope) -> tuple[tuple[str, str], ...]:
    """The request's headers as API Gateway forwards them: ``X-Forwarded-Proto`` is the
    gateway's own (the scheme the client used), never the client's, so a function can
    rebuild the URL the client addressed (a DPoP proof's ``htu``, RFC 9449 §4.3)."""
    headers = tuple(
        (k.decode("latin-1").lower(), v.decode("latin-1"))
        for k, v in scope["headers"]
        if k.lower() != b"x-forwarded-proto"
    )
    return (*headers, ("x-forwarded-proto", str(scope.get("scheme") or "http")))


def _message(status: int, text: str) -> tuple[int, list[tuple[str, str]], bytes]:
    return status, [("content-type", "application/json")], json.dumps({"message": text}).encode()


class DevGateway:
    def __init__(
        self,
        upstream: ASGIApp,
        functions: tuple[DevFunction, ...],
        *,
        verifier: Verifier | None,
        log: Callable[[str], None],
    ) -> None:
        for function in functions:
            # Real checks, not asserts (gone under python -O): a guarded route without its
            # guard would be an open route.
            if function.spec.protection is Protection.JWT and verifier is None:
                raise ConfigurationError(
                    f'[[functions]] {function.spec.name}: auth = "jwt" needs a verifier'
                )
            if function.spec.protection is Protection.LAMBDA and function.authorizer is None:
                raise ConfigurationError(
                    f'[[functions]] {function.spec.name}: auth = "lambda" needs an authorizer'
                )
        self._upstream = upstream
        self._functions = functions
        self._verifier = verifier
        self._log = log

    async def __call__(
        self,
        scope: Scope,
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        if scope["type"] == "http":
            for function in self._functions:
                found = function.match(scope["method"], scope["path"])
                if found is not None:
                    await self._serve(function, found, scope, receive, send)
                    return
            await self._token_service(scope, receive, send)
            return
        await self._upstream(scope, receive, send)

    async def _token_service(
        self,
        scope: Scope,
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        started = time.perf_counter()
        status = [0]

        async def noting(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
            await send(message)

        await self._upstream(scope, receive, noting)
        elapsed = (time.perf_counter() - started) * 1000
        self._log(
            f"{scope['method']} {scope['path']} → {status[0]} {elapsed:.1f} ms [token service]"
        )

    async def _jwt(
        self, function: DevFunction, request: DevRequest
    ) -> tuple[int, dict[str, Any] | None, str]:
        if self._verifier is None:  # refused in __init__; never fall through to "open"
            return 500, None, "jwt: no verifier"
        try:
            # The one Authorization parser (RFC 6750 §2.1); the JWT authorizer reads Bearer
            # only, so a DPoP-scheme request is "no token" here, as in AWS.
            found = read_credentials(request.header_values("authorization"))
            if found is None:
                return 401, None, "jwt: no token"
            claims = await self._verifier.verify_async(found[1], scopes=function.spec.scopes)
        except InsufficientScopeError:
            return 403, None, "jwt: insufficient scope"
        except TokenError as exc:
            return 401, None, f"jwt: {exc.code}"
        except GatehouseError as exc:  # keys unreadable: the store is down
            return 503, None, f"jwt: {exc.code}"
        values = {k: v if isinstance(v, str) else json.dumps(v) for k, v in claims.items()}
        scopes = sorted(claims.scopes)
        if function.spec.payload == "1.0":
            return 200, {"claims": values, "scopes": scopes}, "jwt: allow"
        return 200, {"jwt": {"claims": values, "scopes": scopes}}, "jwt: allow"

    async def _authorize(
        self, function: DevFunction, request: DevRequest, context: Any
    ) -> tuple[int, dict[str, Any] | None, str]:
        protection = function.spec.protection
        if protection is Protection.NONE:
            return 200, None, "none (the handler checks)"
        if protection is Protection.JWT:
            return await self._jwt(function, request)
        if function.authorizer is None:  # refused in __init__; never fall through to "open"
            return 500, None, "lambda: no authorizer"
        event = authorizer_event(request, function.spec.payload)
        decision = await to_thread.run_sync(
            function.authorizer.authorize,
            event,
            request.header("authorization"),
            request.method_arn,
            context,
        )
        verdict = {200: "allow", 401: "unauthorized", 403: "deny"}.get(decision.status, "error")
        note = f"lambda: {verdict}{' (cached)' if decision.cached else ''}"
        if not decision.allowed:
            return decision.status, None, note
        ctx = dict(decision.context or {})
        return 200, (ctx if function.spec.payload == "1.0" else {"lambda": ctx}), note

    async def _serve(
        self,
        function: DevFunction,
        found: Any,
        scope: Scope,
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        started = time.perf_counter()
        route, params = found
        body = await _read_body(receive)
        client = scope.get("client") or ("127.0.0.1", 0)
        request = DevRequest(
            method=scope["method"],
            path=scope["path"],
            query=scope.get("query_string", b"").decode("latin-1"),
            headers=_forwarded(scope),
            body=body or b"",
            source_ip=client[0],
            route_path=route.path,
            path_parameters=params,
        )
        context = SimpleNamespace(
            function_name=function.spec.name,
            aws_request_id="local",
            get_remaining_time_in_millis=lambda: 30_000,
        )
        if body is None:
            status, headers, raw = _message(413, "Request Entity Too Large")
            note = "-"
        else:
            status, authorizer, note = await self._authorize(function, request, context)
            if status == 200:
                status, headers, raw = await self._invoke(function, request, authorizer, context)
            else:
                text = {401: "Unauthorized", 403: "Forbidden", 503: "Service Unavailable"}.get(
                    status, "Internal Server Error"
                )
                status, headers, raw = _message(status, text)
        await _send(send, status, headers, raw)
        elapsed = (time.perf_counter() - started) * 1000
        name = function.spec.name
        self._log(
            f"{request.method} {request.path} → {status} {elapsed:.1f} ms [{name}] auth={note}"
        )

    async def _invoke(
        self,
        function: DevFunction,
        request: DevRequest,
        authorizer: dict[str, Any] | None,
        context: Any,
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        event = proxy_event(request, function.spec.payload, authorizer)
        try:
            result = await to_thread.run_sync(function.handler, event, context)
            return http_response(result, function.spec.payload)
        except Exception:
            # What API Gateway does when the function fails: 502, and the server goes on.
            print(f"[{function.spec.name}] the handler raised:", file=sys.stderr)
            traceback.print_exc()
            return _message(502, "Internal server error")

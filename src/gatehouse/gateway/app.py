"""The local gateway: one ASGI app in front of the token service and the functions.

A request matching a function's route becomes an API Gateway event (with its own
request ids and time), passes that function's auth (none, the JWT authorizer with
signature checks against the token service's own keys, or a Lambda authorizer with API
Gateway's cache), and is handed to the function's worker process off the event loop, so
a handler that calls back into this server (orders → token service → profile) never
blocks it. The invocation payload (the event's JSON) and the result are held to
Lambda's 6 MB; a handler that raises, overruns its timeout or kills its worker answers
502 like API Gateway and the server keeps going. Anything else goes to the token
service. Each request is logged with a timestamp, its request id, route, status,
latency and auth decision.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from types import SimpleNamespace
from typing import Any

from anyio import to_thread

from gatehouse.adapters.bearer import read_credentials
from gatehouse.clock import SYSTEM_CLOCK, Clock
from gatehouse.errors import (
    ConfigurationError,
    GatehouseError,
    InsufficientScopeError,
    TokenError,
)
from gatehouse.functions.spec import Protection
from gatehouse.gateway.events import DevRequest, proxy_event
from gatehouse.gateway.handlers import DevFunction
from gatehouse.gateway.refusals import refusal
from gatehouse.gateway.responses import MAX_PAYLOAD, http_response
from gatehouse.gateway.sandbox import FunctionError
from gatehouse.verify import Verifier

__all__ = ["MAX_BODY", "MAX_PAYLOAD", "DevGateway"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]
]
Answer = tuple[int, list[tuple[str, str]], bytes]
MAX_BODY = 10 * 1024 * 1024
"""API Gateway's own limit on a request body (10 MB): reading stops there. What reaches a
function is then held to Lambda's ``MAX_PAYLOAD`` on the whole event, not the body."""
HEADER_NAMES = "gatehouse.header_names"
"""Scope key where the gateway's HTTP protocol (``gateway.protocol``) keeps the header
names as the client wrote them; ASGI servers lower-case ``headers``."""


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


async def _send(send: Callable[[Message], Awaitable[None]], answer: Answer) -> None:
    status, headers, body = answer
    raw = [
        (k.encode("latin-1"), v.encode("latin-1"))
        for k, v in headers
        if k.lower() != "content-length"
    ]
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def _canonical(name: str) -> str:
    return "-".join(part[:1].upper() + part[1:] for part in name.split("-"))


def _forwarded(scope: Scope) -> tuple[tuple[str, str], ...]:
    """The request's headers as API Gateway forwards them, names in the client's case
    (canonical case when the server did not keep it): ``X-Forwarded-Proto`` is the
    gateway's own (the scheme the client used), never the client's, so a function can
    rebuild the URL the client addressed (a DPoP proof's ``htu``, RFC 9449 §4.3)."""
    pairs = list(scope["headers"])
    names = scope.get(HEADER_NAMES)
    if not isinstance(names, list) or len(names) != len(pairs):
        names = [_canonical(k.decode("latin-1")) for k, _ in pairs]
    headers = tuple(
        (str(name), v.decode("latin-1"))
        for name, (k, v) in zip(names, pairs, strict=True)
        if k.lower() != b"x-forwarded-proto"
    )
    return (*headers, ("X-Forwarded-Proto", str(scope.get("scheme") or "http")))


class DevGateway:
    def __init__(
        self,
        upstream: ASGIApp,
        functions: tuple[DevFunction, ...],
        *,
        verifier: Verifier | None,
        log: Callable[[str], None],
        clock: Clock = SYSTEM_CLOCK,
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
        self._clock = clock

    def _line(self, text: str) -> None:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(self._clock.time()))
        self._log(f"{stamp}Z {text}")

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
        self._line(
            f"{scope['method']} {scope['path']} → {status[0]} {elapsed:.1f} ms [token service]"
        )

    async def _jwt(
        self, function: DevFunction, request: DevRequest
    ) -> tuple[str | None, dict[str, Any] | None, str]:
        if self._verifier is None:  # refused in __init__; never fall through to "open"
            return "authorizer-failed", None, "jwt: no verifier"
        try:
            # The one Authorization parser (RFC 6750 §2.1); the JWT authorizer reads Bearer
            # only, so a DPoP-scheme request is "no token" here, as in AWS.
            found = read_credentials(request.header_values("authorization"))
            if found is None:
                return "unauthorized", None, "jwt: no token"
            claims = await self._verifier.verify_async(found[1], scopes=function.spec.scopes)
        except InsufficientScopeError:
            return "forbidden", None, "jwt: insufficient scope"
        except TokenError as exc:
            return "unauthorized", None, f"jwt: {exc.code}"
        except GatehouseError as exc:  # keys unreadable: the store is down
            return "unavailable", None, f"jwt: {exc.code}"
        values = {k: v if isinstance(v, str) else json.dumps(v) for k, v in claims.items()}
        scopes = sorted(claims.scopes)
        if function.spec.payload == "1.0":
            return None, {"claims": values, "scopes": scopes}, "jwt: allow"
        return None, {"jwt": {"claims": values, "scopes": scopes}}, "jwt: allow"

    async def _authorize(
        self, function: DevFunction, request: DevRequest
    ) -> tuple[str | None, dict[str, Any] | None, str]:
        """(refusal case or None, requestContext.authorizer, log note)."""
        protection = function.spec.protection
        if protection is Protection.NONE:
            return None, None, "none (the handler checks)"
        if protection is Protection.JWT:
            return await self._jwt(function, request)
        if function.authorizer is None:  # refused in __init__; never fall through to "open"
            return "authorizer-failed", None, "lambda: no authorizer"
        context = SimpleNamespace(aws_request_id=str(uuid.uuid4()))
        started = time.perf_counter()
        decision = await to_thread.run_sync(function.authorizer.authorize, request, context)
        latency = 0 if decision.cached else int((time.perf_counter() - started) * 1000)
        verdict = {200: "allow", 401: "unauthorized", 403: "deny"}.get(decision.status, "error")
        note = f"lambda: {verdict}{' (cached)' if decision.cached else ''}"
        if not decision.allowed:
            case = {401: "unauthorized", 403: "denied"}.get(decision.status, "authorizer-failed")
            if decision.explicit:
                case = "denied-explicit"
            return case, None, note
        ctx = dict(decision.context or {})
        if function.spec.payload == "2.0":
            return None, {"lambda": ctx}, note
        # REST adds the authorizer's latency (ms) beside its context and principalId.
        return None, {**ctx, "integrationLatency": latency}, note

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
        payload = function.spec.payload
        request = DevRequest(
            method=scope["method"],
            path=scope["path"],
            query=scope.get("query_string", b"").decode("latin-1"),
            headers=_forwarded(scope),
            body=body or b"",
            source_ip=client[0],
            route_path=route.path,
            path_parameters=params,
            route_method=route.method,
            epoch=self._clock.time(),
        )
        note = "-"
        if body is None:
            answer = refusal("too-large", payload)
        else:
            case, authorizer, note = await self._authorize(function, request)
            if case is None:
                answer = await self._invoke(function, request, authorizer)
            else:
                answer = refusal(case, payload)
        id_header = "x-amzn-RequestId" if payload == "1.0" else "apigw-requestid"
        answer[1].append((id_header, request.request_id))
        await _send(send, answer)
        elapsed = (time.perf_counter() - started) * 1000
        self._line(
            f"{request.request_id} {request.method} {request.path} → {answer[0]}"
            f" {elapsed:.1f} ms [{function.spec.name}] auth={note}"
        )

    async def _invoke(
        self, function: DevFunction, request: DevRequest, authorizer: dict[str, Any] | None
    ) -> Answer:
        payload = function.spec.payload
        event = json.dumps(proxy_event(request, payload, authorizer)).encode()
        name = function.spec.name
        if len(event) > MAX_PAYLOAD:
            # Lambda refuses an invocation payload over 6 MB, whatever the body's size.
            self._line(f"[{name}] the event is {len(event)} bytes (limit {MAX_PAYLOAD})")
            return refusal("too-large", payload)
        invocation = str(uuid.uuid4())  # Lambda's request id, not API Gateway's
        try:
            result, size = await to_thread.run_sync(function.handler.invoke, event, invocation)
            return http_response(result, payload, size)
        except FunctionError as exc:
            # What API Gateway does when the function fails: 502, and the server goes on.
            self._line(f"[{name}] {invocation} {exc.kind}: {exc}")
        except ValueError as exc:  # a malformed or oversized result
            self._line(f"[{name}] {invocation} bad response: {exc}")
        return refusal("function-failed", payload)

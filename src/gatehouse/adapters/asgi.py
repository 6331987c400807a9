"""ASGI: a pure middleware for any ASGI app, and a FastAPI dependency.

Both verify with ``Verifier.verify_async``, so a remote JWKS refresh is awaited, never run
on the event loop. The middleware stores the verified ``Claims`` in ``scope["auth"]``,
which Starlette and FastAPI expose as ``request.auth``. Neither Starlette nor FastAPI is
imported by this module; ``RequireScopes`` imports Starlette when it is constructed.

DPoP (RFC 9449): pass a ``gatehouse.dpop.DPoPVerifier`` as ``verifier``; the request URL
for the proof's ``htu`` comes from the scope (``root_path``, scheme, ``Host``), from
``X-Forwarded-Proto``/``-Host`` only when the peer is in ``trusted_proxies``, or from a
pinned ``origin`` (see ``proxies``). ``txn_token=TxnTokenCheck(...)``: the verified
``Txn-Token`` in ``scope["txn"]`` (``txn_check``).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping, Sequence
from typing import TYPE_CHECKING, Any

from gatehouse.adapters.guard import DEFAULT_REALM, BearerGuard
from gatehouse.adapters.pathrules import PathRules
from gatehouse.adapters.proxies import TrustedProxies, asgi_url
from gatehouse.adapters.rejection import ANSWERABLE, Rejection
from gatehouse.claims import Claims

if TYPE_CHECKING:
    from gatehouse.adapters.deny_check import DenyCheck
    from gatehouse.adapters.txn_check import TxnTokenCheck
    from gatehouse.dpop import DPoPVerifier
    from gatehouse.verify import Verifier

__all__ = ["BearerAuthMiddleware", "RequireScopes", "authorization_values", "header_values"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_POLICY_VIOLATION = 1008  # RFC 6455 §7.4.1: close a WebSocket that failed authentication


def authorization_values(scope: Scope) -> tuple[str, ...]:
    """Every ``Authorization`` header of an ASGI request (header names arrive lower-cased)."""
    return header_values(scope, b"authorization")


def header_values(scope: Scope, name: bytes) -> tuple[str, ...]:
    """Every value of the (lower-case) header ``name`` of an ASGI request."""
    return tuple(value.decode("latin-1") for key, value in scope.get("headers", ()) if key == name)


async def _verify(
    guard: BearerGuard,
    scope: Scope,
    authorization: Sequence[str],
    proxies: TrustedProxies,
    origin: str | None,
    extra: Sequence[str] = (),
) -> Claims:
    claims = await guard.verify_request_async(
        authorization,  # scanned once, by the caller
        # A Bearer-only guard never reads a DPoP proof: the headers are not scanned for one.
        dpop=header_values(scope, b"dpop") if guard.dpop is not None else (),
        # RFC 9449 §4.3: the proof's htm is the request's method; a WebSocket opens with GET.
        method=str(scope.get("method") or "GET"),
        url=lambda: asgi_url(scope, proxies, origin=origin),
    )
    if guard.deny_list is None:
        return guard.admit(claims, extra)  # nothing to await: the scopes alone
    return await guard.admit_async(claims, extra)


async def _refuse(scope: Scope, send: Send, rejection: Rejection) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": _POLICY_VIOLATION})
        return
    body = rejection.body.encode("utf-8")
    headers = [
        (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in rejection.headers.items()
    ]
    headers.append((b"content-length", str(len(body)).encode("ascii")))
    await send({"type": "http.response.start", "status": rejection.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _adding(send: Send, headers: Mapping[str, str]) -> Send:
    """``send`` that adds ``headers`` to the response start unless the app set them."""
    extra = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]

    async def adding(message: Message) -> None:
        if message["type"] == "http.response.start":
            present = {name.lower() for name, _ in message.get("headers", ())}
            added = [(k, v) for k, v in extra if k not in present]
            message = {**message, "headers": [*message.get("headers", ()), *added]}
        await send(message)

    return adding


class BearerAuthMiddleware:
    """Require a valid bearer token on every HTTP and WebSocket request but public ones.

    ``scopes`` apply everywhere; ``path_scopes`` adds scopes under a path prefix (the
    longest matching prefix wins); ``public_paths`` (prefixes too) skip authentication.
    With a ``DPoPVerifier``: ``trusted_proxies`` (addresses or CIDRs) whose forwarding
    headers are believed, or ``origin`` (``https://api.example.com``) pinned.
    """

    __slots__ = ("_guard", "_origin", "_proxies", "_rules", "_txn", "app")

    def __init__(
        self,
        app: ASGIApp,
        verifier: Verifier | DPoPVerifier,
        *,
        scopes: Iterable[str] = (),
        path_scopes: Mapping[str, Iterable[str]] | None = None,
        public_paths: Iterable[str] = (),
        deny_list: DenyCheck | None = None,
        realm: str = DEFAULT_REALM,
        trusted_proxies: Iterable[str] = (),
        origin: str | None = None,
        txn_token: TxnTokenCheck | None = None,
    ) -> None:
        self.app = app
        self._txn = txn_token
        self._guard = BearerGuard(verifier, scopes=scopes, deny_list=deny_list, realm=realm)
        self._rules = PathRules(path_scopes or {}, public_paths)
        self._proxies = TrustedProxies(trusted_proxies)
        self._origin = origin

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if self._rules.is_public(path):
            await self.app(scope, receive, send)
            return
        extra = self._rules.scopes_for(path)
        guard = self._guard
        authorization = authorization_values(scope)
        try:
            claims = await _verify(guard, scope, authorization, self._proxies, self._origin, extra)
            txn = None
            if self._txn is not None:
                txn = await self._txn.check_async(header_values(scope, b"txn-token"))
        except ANSWERABLE as error:
            await _refuse(scope, send, guard.reject(error, extra, authorization))
            return
        # A copy, so the caller's scope is not changed under it (ASGI spec, middleware).
        scope = dict(scope)
        scope["auth"] = claims
        if self._txn is not None:
            scope["txn"] = txn  # the verified Txn-Token (adapters.txn_check)
        if guard.dpop is not None and scope["type"] == "http":
            extra_headers = guard.success_headers(authorization)
            if extra_headers:
                send = _adding(send, extra_headers)
        await self.app(scope, receive, send)


class RequireScopes:
    """A FastAPI dependency: ``claims: Claims = Depends(RequireScopes(verifier, ["a"]))``.

    Reuses claims the middleware already verified (``request.auth``) and then only checks
    the deny list and scopes; otherwise verifies the request's token itself. A refusal is
    an ``HTTPException`` carrying the RFC 6750 challenge in ``WWW-Authenticate`` and
    ``{"error", "error_description"}`` as its detail.
    """

    def __init__(
        self,
        verifier: Verifier | DPoPVerifier,
        scopes: Iterable[str] = (),
        *,
        deny_list: DenyCheck | None = None,
        realm: str = DEFAULT_REALM,
        trusted_proxies: Iterable[str] = (),
        origin: str | None = None,
    ) -> None:
        from starlette.requests import HTTPConnection

        self._guard = BearerGuard(verifier, scopes=scopes, deny_list=deny_list, realm=realm)
        self._proxies = TrustedProxies(trusted_proxies)
        self._origin = origin
        # FastAPI injects by annotation; building the signature here keeps Starlette out of
        # this module's import while still telling FastAPI to pass the connection (an HTTP
        # request or a WebSocket).
        self.__signature__ = inspect.Signature(
            [
                inspect.Parameter(
                    "connection", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=HTTPConnection
                )
            ]
        )

    async def __call__(self, connection: Any) -> Claims:
        scope: Scope = connection.scope
        try:
            existing = scope.get("auth")
            if isinstance(existing, Claims):
                return await self._guard.admit_async(existing)
            authorization = authorization_values(scope)
            return await _verify(self._guard, scope, authorization, self._proxies, self._origin)
        except ANSWERABLE as error:
            if scope["type"] == "websocket":
                from starlette.exceptions import WebSocketException

                raise WebSocketException(_POLICY_VIOLATION) from None
            from fastapi import HTTPException

            rejection = self._guard.reject(error, (), authorization_values(scope))
            headers = {k: v for k, v in rejection.headers.items() if k != "Content-Type"}
            detail = {"error": rejection.error, "error_description": rejection.description}
            raise HTTPException(rejection.status, detail=detail, headers=headers) from None

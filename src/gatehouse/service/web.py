"""The request and the response every route handler takes and gives, bound to no framework.

Why not Starlette's: the token service has two front doors. The ASGI app (``app.py``:
``gatehouse serve``, uvicorn, the dev gateway) is Starlette; the AWS Lambda entry point
hands an event straight to the same handlers (``lambda_dispatch``), so a cold start
imports neither Starlette nor AnyIO nor asyncio (issue 15 §2). The handlers stay the one
owner of each route's behaviour; these classes are all they see of HTTP.

They are the subset of Starlette's ``Request``/``Response`` the handlers use, with the
same bytes out: raw ASGI header pairs (latin-1), header names lower-cased, the
``content-length``/``content-type`` rules of ``Response.init_headers``, cookies written by
``http.cookies`` as ``Response.set_cookie`` writes them, compact JSON as ``JSONResponse``
renders it, and the request body read through the ASGI ``receive`` protocol, so answers
are what they were when the handlers took Starlette's classes
(``tests/service/test_web_parity.py`` holds that against Starlette itself).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any, Literal, overload

if TYPE_CHECKING:
    from gatehouse.service.context import ServiceContext

__all__ = [
    "URL",
    "ClientDisconnectError",
    "Headers",
    "JSONResponse",
    "MutableHeaders",
    "Receive",
    "Request",
    "Response",
    "cookie_parser",
]

RawHeaders = list[tuple[bytes, bytes]]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class ClientDisconnectError(Exception):
    """The client went away before the whole body arrived (ASGI ``http.disconnect``)."""


class Headers:
    """Read access to raw ASGI header pairs; names compare case-insensitively."""

    __slots__ = ("_list",)

    def __init__(self, raw: RawHeaders) -> None:
        self._list = raw

    @property
    def raw(self) -> RawHeaders:
        return list(self._list)

    def getlist(self, key: str) -> list[str]:
        """Every value of ``key``, in order (a repeated header is not folded)."""
        wanted = key.lower().encode("latin-1")
        return [value.decode("latin-1") for name, value in self._list if name == wanted]

    @overload
    def get(self, key: str) -> str | None: ...
    @overload
    def get(self, key: str, default: str) -> str: ...
    def get(self, key: str, default: str | None = None) -> str | None:
        """The first value of ``key``, or ``default``."""
        wanted = key.lower().encode("latin-1")
        for name, value in self._list:
            if name == wanted:
                return value.decode("latin-1")
        return default

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None


class MutableHeaders(Headers):
    """A response's headers; setting a name replaces all its values in place."""

    __slots__ = ()

    def __setitem__(self, key: str, value: str) -> None:
        name, encoded = key.lower().encode("latin-1"), value.encode("latin-1")
        found = [i for i, (item, _) in enumerate(self._list) if item == name]
        for index in reversed(found[1:]):
            del self._list[index]
        if found:
            self._list[found[0]] = (name, encoded)
        else:
            self._list.append((name, encoded))

    def update(self, other: Mapping[str, str]) -> None:
        for key, value in other.items():
            self[key] = value


def cookie_parser(cookie_string: str) -> dict[str, str]:
    """A ``Cookie`` header as browsers send it, parsed as Starlette parses it (Django's
    lenient rules, not ``SimpleCookie.load``): a chunk without ``=`` is a value with an
    empty name, and values are unquoted by Python's ``http.cookies`` algorithm."""
    from http.cookies import _unquote

    cookies: dict[str, str] = {}
    for chunk in cookie_string.split(";"):
        key, val = chunk.split("=", 1) if "=" in chunk else ("", chunk)
        key, val = key.strip(), val.strip()
        if key or val:
            cookies[key] = _unquote(val)
    return cookies


class URL:
    """The part of a request URL a handler may name (in logs): its path."""

    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        self.path = path


class Request:
    """One HTTP request: method, path, raw headers, the peer and the body to come."""

    __slots__ = (
        "_consumed",
        "_cookies",
        "_receive",
        "client_host",
        "context",
        "headers",
        "method",
        "path",
        "path_params",
    )

    def __init__(
        self,
        method: str,
        path: str,
        headers: RawHeaders,
        *,
        context: ServiceContext,
        receive: Receive,
        client_host: str | None = None,
        path_params: Mapping[str, str] | None = None,
    ) -> None:
        self.method = method
        self.path = path
        self.headers = Headers(headers)
        self.context = context
        self.client_host = client_host
        self.path_params: Mapping[str, str] = path_params or {}
        self._receive = receive
        self._consumed = False
        self._cookies: dict[str, str] | None = None

    @property
    def url(self) -> URL:
        """As Starlette's ``request.url``, for what reads only its ``path``."""
        return URL(self.path)

    @property
    def cookies(self) -> dict[str, str]:
        """Every ``Cookie`` header's pairs, a later header's winning a repeated name."""
        if self._cookies is None:
            cookies: dict[str, str] = {}
            for header in self.headers.getlist("cookie"):
                cookies.update(cookie_parser(header))
            self._cookies = cookies
        return self._cookies

    async def stream(self) -> AsyncIterator[bytes]:
        """The body in the chunks it arrives in; ``ClientDisconnectError`` if it stops short."""
        if self._consumed:
            raise RuntimeError("the request body was already read")
        while not self._consumed:
            message = await self._receive()
            if message["type"] == "http.request":
                body = message.get("body", b"")
                if not message.get("more_body", False):
                    self._consumed = True
                if body:
                    yield body
            elif message["type"] == "http.disconnect":
                raise ClientDisconnectError()
        yield b""


class Response:
    """A whole answer: status, raw headers and body; also an ASGI app that sends itself."""

    media_type: str | None = None
    charset = "utf-8"

    def __init__(
        self,
        content: Any = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
    ) -> None:
        self.status_code = status_code
        if media_type is not None:
            self.media_type = media_type
        self.body = self.render(content)
        self.raw_headers = self._initial_headers(headers)
        self.headers = MutableHeaders(self.raw_headers)

    def render(self, content: Any) -> bytes:
        if content is None:
            return b""
        if isinstance(content, bytes):
            return content
        return str(content).encode(self.charset)

    def _initial_headers(self, headers: Mapping[str, str] | None) -> RawHeaders:
        raw = [
            (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()
        ]
        names = {name for name, _ in raw}
        if b"content-length" not in names and not (
            self.status_code < 200 or self.status_code in (204, 304)
        ):
            raw.append((b"content-length", str(len(self.body)).encode("latin-1")))
        kind = self.media_type
        if kind is not None and b"content-type" not in names:
            if kind.startswith("text/") and "charset=" not in kind.lower():
                kind += "; charset=" + self.charset
            raw.append((b"content-type", kind.encode("latin-1")))
        return raw

    def set_cookie(
        self,
        key: str,
        value: str = "",
        max_age: int | None = None,
        expires: int | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: Literal["lax", "strict", "none"] | None = "lax",
    ) -> None:
        """Append a ``Set-Cookie`` header (RFC 6265 §4.1) written by ``http.cookies``."""
        from http.cookies import SimpleCookie

        cookie: SimpleCookie = SimpleCookie()
        cookie[key] = value
        morsel = cookie[key]
        attributes: dict[str, Any] = {
            "max-age": max_age,
            "expires": expires,
            "path": path,
            "domain": domain,
            "secure": True if secure else None,
            "httponly": True if httponly else None,
            "samesite": samesite,
        }
        for name, setting in attributes.items():
            if setting is not None:
                morsel[name] = setting
        self.raw_headers.append((b"set-cookie", cookie.output(header="").strip().encode("latin-1")))

    def delete_cookie(
        self,
        key: str,
        path: str = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: Literal["lax", "strict", "none"] | None = "lax",
    ) -> None:
        """Expire the cookie now (``Max-Age=0``, RFC 6265 §5.2.2)."""
        self.set_cookie(
            key,
            max_age=0,
            expires=0,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
        )

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        await send({"type": "http.response.body", "body": self.body})


class JSONResponse(Response):
    """Compact UTF-8 JSON; NaN and infinities refused (RFC 8259 §6 has no such numbers)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json.dumps(
            content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
        ).encode("utf-8")

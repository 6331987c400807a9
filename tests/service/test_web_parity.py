"""``gatehouse.service.web`` writes and reads HTTP as Starlette's own classes do.

The handlers moved from Starlette's ``Request``/``Response`` to these framework-neutral
ones (so the Lambda entry point imports no Starlette); answers must not have changed.
Each case builds the same response with both and compares the raw header list and the
body byte for byte; requests are read from the same ASGI messages by both.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import MutableMapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette import requests as starlette_requests
from starlette import responses as starlette_responses

from gatehouse.service import web

_EXPIRES = re.compile(rb"expires=[^;]+", re.IGNORECASE)

RESPONSES: list[tuple[str, Any, int, dict[str, str] | None, str | None]] = [
    ("empty", None, 200, None, None),
    ("no-content", None, 204, {"X-A": "1"}, None),
    ("not-modified", None, 304, {"ETag": '"1"', "Cache-Control": "public"}, None),
    ("text", "hello", 200, None, "text/plain"),
    ("text-charset-given", "hi", 200, None, "text/plain; charset=utf-8"),
    ("bytes", b"\x00\x01", 201, {"Content-Type": "application/octet-stream"}, None),
    ("own-length", b"abc", 200, {"Content-Length": "3"}, "application/x"),
    ("status-list", "eyJ.x.y", 200, {"ETag": '"v1"'}, "application/statuslist+jwt"),
    ("informational", None, 101, None, None),
]


def _raw(response: Any) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    return (
        response.status_code,
        [(k, _EXPIRES.sub(b"expires=<now>", v)) for k, v in response.raw_headers],
        bytes(response.body),
    )


@pytest.mark.parametrize(
    ("content", "status", "headers", "media_type"),
    [case[1:] for case in RESPONSES],
    ids=[case[0] for case in RESPONSES],
)
def test_response_bytes_match_starlette(
    content: Any, status: int, headers: dict[str, str] | None, media_type: str | None
) -> None:
    """Status, raw headers (order, case, content-length and content-type rules) and body."""
    ours = web.Response(content, status, headers, media_type)
    theirs = starlette_responses.Response(content, status, headers, media_type)
    assert _raw(ours) == _raw(theirs)


JSON_BODIES: list[Any] = [
    {"error": "invalid_request", "error_description": "the body is not valid JSON"},
    {"keys": [{"kty": "EC", "crv": "P-256"}], "n": 1, "ok": True, "none": None},
    {"text": "é ü ✓ 日本", "nested": {"a": [1, 2.5, "x"]}},
    [],
]


@pytest.mark.parametrize("body", JSON_BODIES)
@pytest.mark.parametrize("headers", [None, {"Cache-Control": "no-store", "Pragma": "no-cache"}])
def test_json_response_matches_starlette(body: Any, headers: dict[str, str] | None) -> None:
    """Compact UTF-8 JSON (not ASCII-escaped), the same headers."""
    ours = web.JSONResponse(body, 400, headers)
    theirs = starlette_responses.JSONResponse(body, 400, headers)
    assert _raw(ours) == _raw(theirs)


def test_json_response_refuses_nan_like_starlette() -> None:
    """NaN is not JSON (RFC 8259 §6): both refuse to render it."""
    with pytest.raises(ValueError, match="JSON compliant"):
        web.JSONResponse({"x": float("nan")})
    with pytest.raises(ValueError, match="JSON compliant"):
        starlette_responses.JSONResponse({"x": float("nan")})


COOKIES: list[dict[str, Any]] = [
    {"key": "a", "value": "b"},
    {
        "key": "__Secure-gatehouse-refresh",
        "value": "rt_abc-DEF_123",
        "max_age": 2592000,
        "path": "/token",
        "secure": True,
        "httponly": True,
        "samesite": "strict",
    },
    {"key": "c", "value": "needs quoting; yes", "path": None, "samesite": None},
    {"key": "d", "value": "v", "domain": "example.com", "samesite": "lax", "max_age": 0},
]


@pytest.mark.parametrize("cookie", COOKIES)
def test_set_cookie_matches_starlette(cookie: dict[str, Any]) -> None:
    """Set-Cookie as http.cookies writes it, appended after the other headers."""
    ours = web.JSONResponse({"ok": 1}, headers={"Cache-Control": "no-store"})
    theirs = starlette_responses.JSONResponse({"ok": 1}, headers={"Cache-Control": "no-store"})
    ours.set_cookie(**cookie)
    theirs.set_cookie(**cookie)
    assert _raw(ours) == _raw(theirs)


@pytest.mark.parametrize(
    "cookie",
    [
        {
            "key": "__Secure-gatehouse-refresh",
            "path": "/token",
            "secure": True,
            "httponly": True,
            "samesite": "strict",
        },
        {"key": "__Secure-gatehouse-csrf", "path": "/", "secure": True, "samesite": "strict"},
    ],
)
def test_delete_cookie_matches_starlette(cookie: dict[str, Any]) -> None:
    """Deleting is Max-Age=0 and an Expires of now (masked: the second may turn)."""
    ours, theirs = web.Response(), starlette_responses.Response()
    ours.delete_cookie(**cookie)
    theirs.delete_cookie(**cookie)
    assert _raw(ours) == _raw(theirs)


@pytest.mark.parametrize(
    "update",
    [
        {"DPoP-Nonce": "n1"},
        {"cache-control": "public", "X-New": "1"},
        {"PRAGMA": "x", "content-type": "text/plain"},
    ],
)
def test_header_update_matches_starlette(update: dict[str, str]) -> None:
    """``headers.update`` replaces a name's values in place and appends new names."""
    ours = web.JSONResponse({}, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})
    theirs = starlette_responses.JSONResponse(
        {}, headers={"Cache-Control": "no-store", "Pragma": "no-cache"}
    )
    ours.headers.update(update)
    theirs.headers.update(update)
    assert _raw(ours) == _raw(theirs)


COOKIE_HEADERS = [
    "",
    "a=b",
    "a=b; c=d",
    "a=b;c=d;",
    ' a = "quoted" ; b=x',
    "novalue; a=1",
    'q="\\"esc\\" \\073"',
    "a=1; a=2",
    "==; =x; y=",
    "__Secure-gatehouse-refresh=rt_x; __Secure-gatehouse-csrf=abc",
]


@pytest.mark.parametrize("header", COOKIE_HEADERS)
def test_cookie_parser_matches_starlette(header: str) -> None:
    """Starlette's lenient Cookie parsing, value unquoting included."""
    assert web.cookie_parser(header) == starlette_requests.cookie_parser(header)


@given(st.text(alphabet=st.characters(codec="latin-1"), max_size=60))
def test_cookie_parser_matches_starlette_on_any_latin1_header(header: str) -> None:
    """Any header value a server can decode parses the same."""
    assert web.cookie_parser(header) == starlette_requests.cookie_parser(header)


RAW = [
    (b"content-type", b"application/json"),
    (b"dpop", b"one"),
    (b"dpop", b"two"),
    (b"cookie", b"a=b; c=d"),
    (b"cookie", b"e=f"),
    (b"x-csrf-token", "caf\xe9".encode("latin-1")),
]


def _scope(headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {"type": "http", "method": "POST", "path": "/token", "headers": headers}


@pytest.mark.parametrize("name", ["content-type", "DPoP", "Cookie", "X-CSRF-Token", "absent"])
def test_request_headers_and_cookies_match_starlette(name: str) -> None:
    """get/getlist are case-insensitive over the raw pairs; cookies come from every
    Cookie header."""

    async def receive() -> MutableMapping[str, Any]:
        return {"type": "http.disconnect"}

    theirs = starlette_requests.Request(_scope(RAW), receive)
    ours = web.Request("POST", "/token", RAW, context=None, receive=receive)  # type: ignore[arg-type]
    assert ours.headers.getlist(name) == theirs.headers.getlist(name)
    assert ours.headers.get(name) == theirs.headers.get(name)
    assert ours.headers.get(name, "") == theirs.headers.get(name, "")
    assert ours.cookies == theirs.cookies


MESSAGES: list[list[dict[str, Any]]] = [
    [{"type": "http.request", "body": b"abc", "more_body": False}],
    [{"type": "http.request", "body": b"", "more_body": False}],
    [
        {"type": "http.request", "body": b"ab", "more_body": True},
        {"type": "http.request", "body": b"", "more_body": True},
        {"type": "http.request", "body": b"cd", "more_body": False},
    ],
    [{"type": "http.request", "body": b"ab", "more_body": True}, {"type": "http.disconnect"}],
    [{"type": "http.disconnect"}],
]


async def _read(request: Any, disconnect: type[Exception]) -> list[bytes] | str:
    chunks: list[bytes] = []
    try:
        async for chunk in request.stream():
            chunks.append(chunk)
    except disconnect:
        return f"disconnect after {chunks!r}"
    return chunks


@pytest.mark.parametrize("messages", MESSAGES)
def test_request_stream_matches_starlette(messages: list[dict[str, Any]]) -> None:
    """The body arrives in the same chunks, and a disconnect ends it the same way."""

    def receiver() -> Any:
        queue = list(messages)

        async def receive() -> MutableMapping[str, Any]:
            return queue.pop(0)

        return receive

    theirs = starlette_requests.Request(_scope([]), receiver())
    ours = web.Request("POST", "/token", [], context=None, receive=receiver())  # type: ignore[arg-type]
    expected = asyncio.run(_read(theirs, starlette_requests.ClientDisconnect))
    assert asyncio.run(_read(ours, web.ClientDisconnectError)) == expected

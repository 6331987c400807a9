"""AWS HTTP events in and out: what an event says of the request, and the response dict
its family expects (REST v1, HTTP API v2, Function URLs, ALB).

Both Lambda front doors use these, so they read and answer events alike: the direct
dispatch to the handlers (``lambda_dispatch``) and the ASGI bridge (``lambda_bridge``),
which runs the Starlette app for what the dispatch leaves to it. The event itself is
parsed once, by ``gatehouse.adapters.events.HttpEvent``, the verifier adapters' parser.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any
from urllib.parse import quote

from gatehouse.adapters.events import EventFamily, HttpEvent
from gatehouse.errors import InvalidRequestError

__all__ = [
    "bad_body_answer",
    "one_message",
    "query_string",
    "request_headers",
    "shape",
    "source_ip",
]

_TEXT_TYPES = ("text/", "application/json", "application/problem+json", "application/xml")


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def request_headers(event: HttpEvent) -> list[tuple[bytes, bytes]]:
    """The headers as ASGI raw pairs: names lower-cased, values latin-1 (a character
    outside it becomes ``?``, as a server's header decoding would refuse it)."""
    raw = event.raw
    pairs: list[tuple[str, str]] = []
    multi = _mapping(raw.get("multiValueHeaders"))
    if event.family is not EventFamily.HTTP_V2 and multi:
        for name, values in multi.items():
            if isinstance(values, list):
                pairs.extend((name, v) for v in values if isinstance(v, str))
    else:
        for name, value in _mapping(raw.get("headers")).items():
            if isinstance(value, str):
                pairs.append((name, value))
    cookies = raw.get("cookies")
    if event.family is EventFamily.HTTP_V2 and isinstance(cookies, list):
        # Payload 2.0 moves Cookie headers into an array (AWS docs, "cookies").
        pairs.append(("cookie", "; ".join(c for c in cookies if isinstance(c, str))))
    return [(k.lower().encode("latin-1"), v.encode("latin-1", "replace")) for k, v in pairs]


def query_string(event: HttpEvent) -> bytes:
    """The raw query string (no route reads one; kept for the ASGI scope)."""
    raw = event.raw
    if event.family is EventFamily.HTTP_V2:
        return str(raw.get("rawQueryString") or "").encode("latin-1", "replace")
    multi = _mapping(raw.get("multiValueQueryStringParameters"))
    single = _mapping(raw.get("queryStringParameters"))
    items: list[tuple[str, str]] = []
    for name, values in multi.items() if multi else single.items():
        for value in values if isinstance(values, list) else [values]:
            items.append((str(name), str(value)))
    if event.family is EventFamily.ALB:  # ALB passes the parameters still encoded
        return "&".join(f"{k}={v}" for k, v in items).encode("latin-1", "replace")
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in items).encode()


def source_ip(event: HttpEvent) -> str | None:
    """The peer API Gateway saw (``requestContext`` ``http.sourceIp`` or ``identity``)."""
    context = _mapping(event.raw.get("requestContext"))
    ip = _mapping(context.get("http")).get("sourceIp") or _mapping(context.get("identity")).get(
        "sourceIp"
    )
    return ip if isinstance(ip, str) else None


def shape(
    event: HttpEvent, status: int, headers: list[tuple[str, str]], body: bytes
) -> dict[str, Any]:
    """The response dict for ``event``'s family; ``headers`` have lower-case names."""
    kind = next((v for k, v in headers if k == "content-type"), "")
    text = not body or kind.startswith(_TEXT_TYPES)
    payload = body.decode("utf-8") if text else base64.b64encode(body).decode("ascii")
    multi: dict[str, list[str]] = {}
    for name, value in headers:
        multi.setdefault(name, []).append(value)
    if event.family is EventFamily.HTTP_V2:
        response: dict[str, Any] = {
            "statusCode": status,
            "headers": {k: ", ".join(v) for k, v in multi.items() if k != "set-cookie"},
            "body": payload,
            "isBase64Encoded": not text,
        }
        if "set-cookie" in multi:
            response["cookies"] = multi["set-cookie"]
        return response
    response = {"statusCode": status, "body": payload, "isBase64Encoded": not text}
    if event.family is EventFamily.ALB:
        from http import HTTPStatus

        response["statusDescription"] = f"{status} {HTTPStatus(status).phrase}"
        if event.uses_multi_value_headers:
            response["multiValueHeaders"] = multi
        else:
            response["headers"] = {k: v[-1] for k, v in multi.items()}
        return response
    response["headers"] = {k: v[-1] for k, v in multi.items()}
    response["multiValueHeaders"] = multi
    return response


def bad_body_answer(event: HttpEvent, exc: InvalidRequestError) -> dict[str, Any]:
    """400 for a body the event cannot carry (bad base64, not Unicode text): the app
    never sees such a request."""
    error = json.dumps({"error": exc.error, "error_description": exc.message})
    return shape(event, 400, [("content-type", "application/json")], error.encode())


def one_message(body: bytes) -> Callable[[], Awaitable[MutableMapping[str, Any]]]:
    """An ASGI ``receive`` holding the whole body in one message, then a disconnect: an
    event carries its body whole (both doors use it)."""
    sent = False

    async def receive() -> MutableMapping[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive

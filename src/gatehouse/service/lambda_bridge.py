"""One ASGI app behind every AWS HTTP event family: event → ASGI → response dict.

Why not mangum: it is not a dependency, it parses the event a second time (the
verifier adapters already have ``gatehouse.adapters.events.HttpEvent``, one parser for
REST v1, HTTP API v2, Function URLs and ALB), and it imports more than we need at cold
start. This bridge is the little that is left: build the HTTP scope, feed the body in
one message, collect the response, and shape it for the family the event came from.

The event loop is created once and kept. The token service's app is built with
``inline=True`` for Lambda, so no worker thread is started at all; an app that does use
AnyIO worker threads keeps them (and their store connections) between invocations, and
then needs ``close()`` before the process exits (AnyIO's workers are not daemons).
The lifespan protocol is not run (as mangum's
``lifespan="off"``): a Lambda container ends without telling anyone.
"""

from __future__ import annotations

import asyncio
import atexit
import base64
import json
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any
from urllib.parse import quote

from gatehouse.adapters.events import EventFamily, HttpEvent
from gatehouse.errors import InvalidRequestError

__all__ = ["LambdaBridge"]

ASGIApp = Callable[
    [
        MutableMapping[str, Any],
        Callable[[], Awaitable[MutableMapping[str, Any]]],
        Callable[[MutableMapping[str, Any]], Awaitable[None]],
    ],
    Awaitable[None],
]
_Result = tuple[int, list[tuple[str, str]], list[bytes]]
_Job = tuple[dict[str, Any], bytes, "asyncio.Future[_Result]"]
_TEXT_TYPES = ("text/", "application/json", "application/problem+json", "application/xml")


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _headers(event: HttpEvent) -> list[tuple[bytes, bytes]]:
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


def _query(event: HttpEvent) -> bytes:
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


def _source_ip(event: HttpEvent) -> str | None:
    context = _mapping(event.raw.get("requestContext"))
    ip = _mapping(context.get("http")).get("sourceIp") or _mapping(context.get("identity")).get(
        "sourceIp"
    )
    return ip if isinstance(ip, str) else None


def _scope(event: HttpEvent) -> dict[str, Any]:
    ip = _source_ip(event)
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": event.method.upper(),
        "scheme": "https",
        "path": event.path,
        "raw_path": event.path.encode("utf-8", "replace"),
        "root_path": "",
        "query_string": _query(event),
        "headers": _headers(event),
        "client": (ip, 0) if ip else None,
        "server": None,
    }


def _shape(
    event: HttpEvent, status: int, headers: list[tuple[str, str]], body: bytes
) -> dict[str, Any]:
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


class LambdaBridge:
    """``bridge(event, context)`` runs ``app`` for one AWS HTTP event."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue[_Job] | None = None
        self._server: asyncio.Task[None] | None = None

    def __call__(self, event: object, context: object = None) -> dict[str, Any]:
        view = HttpEvent.from_dict(event)
        try:
            body = view.decoded_body()
        except InvalidRequestError as exc:
            error = json.dumps({"error": exc.error, "error_description": exc.message})
            return _shape(view, 400, [("content-type", "application/json")], error.encode())
        loop, queue = self._start()
        done: asyncio.Future[_Result] = loop.create_future()
        queue.put_nowait((_scope(view), body, done))
        status, headers, chunks = loop.run_until_complete(done)
        return _shape(view, status, headers, b"".join(chunks))

    def _start(self) -> tuple[asyncio.AbstractEventLoop, asyncio.Queue[_Job]]:
        if self._loop is None or self._queue is None:
            self._loop = asyncio.new_event_loop()
            self._queue = asyncio.Queue()
            self._server = self._loop.create_task(self._serve(self._queue))
            atexit.register(self.close)  # no "Task was destroyed" noise at shutdown
        return self._loop, self._queue

    async def _serve(self, queue: asyncio.Queue[_Job]) -> None:
        """One long-lived task runs every request: AnyIO ties its worker threads to the
        root task, so they (and their store connections) survive between invocations."""
        while True:
            scope, body, done = await queue.get()
            try:
                done.set_result(await self._run(scope, body))
            except Exception as exc:
                done.set_exception(exc)

    async def _run(self, scope: dict[str, Any], body: bytes) -> _Result:
        sent = False
        status = 500
        headers: list[tuple[str, str]] = []
        chunks: list[bytes] = []

        async def receive() -> MutableMapping[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: MutableMapping[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers.extend(
                    (k.decode("latin-1").lower(), v.decode("latin-1"))
                    for k, v in message.get("headers", [])
                )
            elif message["type"] == "http.response.body":
                chunks.append(bytes(message.get("body", b"")))

        await self._app(scope, receive, send)
        return status, headers, chunks

    def close(self) -> None:
        """Stop the loop and its worker threads (tests; a Lambda container never needs to)."""
        loop, server = self._loop, self._server
        self._loop = self._queue = self._server = None
        if loop is None:
            return
        atexit.unregister(self.close)
        if server is not None:
            server.cancel()
            loop.run_until_complete(asyncio.gather(server, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()

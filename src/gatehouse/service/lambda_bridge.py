"""An ASGI app behind every AWS HTTP event family: event → ASGI → response dict.

The token service's Lambda entry point answers its routes without ASGI
(``lambda_dispatch``) and runs its Starlette app through this bridge only for what the
route handlers do not answer (404, 405, redirects, CORS); any other ASGI app can use it.

Why not mangum: it is not a dependency, it parses the event a second time (the
verifier adapters already have ``gatehouse.adapters.events.HttpEvent``, one parser for
REST v1, HTTP API v2, Function URLs and ALB), and it imports more than we need at cold
start. This bridge is the little that is left: build the HTTP scope, feed the body in
one message, collect the response, and shape it for the family the event came from.

The event loop is created once and kept. The token service's context is ``inline`` under
Lambda, so no worker thread is started at all; an app that does use
AnyIO worker threads keeps them (and their store connections) between invocations, and
then needs ``close()`` before the process exits (AnyIO's workers are not daemons).
The lifespan protocol is not run (as mangum's
``lifespan="off"``): a Lambda container ends without telling anyone.
"""

from __future__ import annotations

import asyncio
import atexit
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from gatehouse.adapters.events import HttpEvent
from gatehouse.errors import InvalidRequestError
from gatehouse.service.lambda_events import (
    bad_body_answer,
    one_message,
    query_string,
    request_headers,
    shape,
    source_ip,
)

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


def _scope(event: HttpEvent) -> dict[str, Any]:
    ip = source_ip(event)
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": event.method.upper(),
        "scheme": "https",
        "path": event.path,
        "raw_path": event.path.encode("utf-8", "replace"),
        "root_path": "",
        "query_string": query_string(event),
        "headers": request_headers(event),
        "client": (ip, 0) if ip else None,
        "server": None,
    }


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
            return bad_body_answer(view, exc)
        loop, queue = self._start()
        done: asyncio.Future[_Result] = loop.create_future()
        queue.put_nowait((_scope(view), body, done))
        status, headers, chunks = loop.run_until_complete(done)
        return shape(view, status, headers, b"".join(chunks))

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
        status = 500
        headers: list[tuple[str, str]] = []
        chunks: list[bytes] = []

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

        await self._app(scope, one_message(body), send)
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

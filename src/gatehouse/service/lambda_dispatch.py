"""The token service under AWS Lambda: an event goes straight to its route's handler.

Why not the ASGI app behind ``LambdaBridge``: a cold start would import Starlette,
AnyIO and asyncio (about half of the import time of the whole service) to answer one
request a container handles at a time (issue 15 §2). Here the event becomes a
``web.Request``, the route table (``routes``) names the handler, the handler's
``web.Response`` becomes the family's response dict (``lambda_events``): the same
handlers, the same request reading, the same bytes out as the ASGI app.

What is not a handler's to answer is handed to the ASGI app, built on first need over
the same ``ServiceContext`` and run by ``LambdaBridge``: an unknown path (404), a method
the route does not serve (405 and ``Allow``), a path that differs by a trailing slash
(Starlette's redirect), and every request when ``[http] cors_origins`` is set (CORS
is Starlette's middleware). Those answers are Starlette's own, not a copy of them.

The handlers are coroutines only so the ASGI app can run them. The context is
``inline`` (token-service calls run on this thread) and the body is in the event, so
a handler never suspends: it is driven by one ``send(None)``, without an event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from gatehouse.adapters.events import HttpEvent
from gatehouse.errors import InvalidRequestError
from gatehouse.service.lambda_events import (
    bad_body_answer,
    one_message,
    request_headers,
    shape,
    source_ip,
)
from gatehouse.service.routes import match
from gatehouse.service.web import Request, Response

if TYPE_CHECKING:
    from gatehouse.service.context import ServiceContext
    from gatehouse.service.lambda_bridge import ASGIApp, LambdaBridge

__all__ = ["LambdaDispatch", "run_inline"]


def run_inline(handler_call: Any) -> Response:
    """The response of a handler coroutine that does not suspend (see the docstring)."""
    try:
        handler_call.send(None)
    except StopIteration as done:
        response: Response = done.value
        return response
    handler_call.close()
    raise RuntimeError("a handler awaited something that needs an event loop (inline context)")


class LambdaDispatch:
    """``dispatch(event, context)`` answers one AWS HTTP event with the token service.

    ``asgi_app`` builds the ASGI app over the same context, for what the handlers do
    not answer (called once, on first need).
    """

    def __init__(self, context: ServiceContext, asgi_app: Callable[[], ASGIApp]) -> None:
        if not context.inline:
            raise ValueError("the Lambda dispatch needs an inline ServiceContext")
        self.context = context
        self._asgi_app = asgi_app
        self._bridge: LambdaBridge | None = None
        self._direct = not context.http.cors_origins

    def __call__(self, event: object, context: object = None) -> dict[str, Any]:
        view = HttpEvent.from_dict(event)
        try:
            body = view.decoded_body()
        except InvalidRequestError as exc:
            return bad_body_answer(view, exc)
        method = view.method.upper()
        found = match(method, view.path) if self._direct else None
        if found is None:
            return self._fallback()(event, context)
        route, params = found
        request = Request(
            method,
            view.path,
            request_headers(view),
            context=self.context,
            receive=one_message(body),
            client_host=source_ip(view),
            path_params=params,
        )
        response = run_inline(route.handler(request))
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.raw_headers]
        return shape(view, response.status_code, headers, response.body)

    def _fallback(self) -> LambdaBridge:
        if self._bridge is None:
            from gatehouse.service.lambda_bridge import LambdaBridge

            self._bridge = LambdaBridge(self._asgi_app())
        return self._bridge

    def close(self) -> None:
        """Stop the ASGI bridge's loop if one was started (tests; Lambda never needs to)."""
        if self._bridge is not None:
            self._bridge.close()
            self._bridge = None

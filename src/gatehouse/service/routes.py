"""The token service's route table: one declaration for both front doors.

The ASGI app (``app.ROUTES``) builds its Starlette routes from it, and the Lambda
dispatch (``lambda_dispatch``) looks events up in it, so a route and its methods are
written once. Each handler is named by module and function and imported on first use:
a Lambda cold start that answers ``/login`` loads the token routes only, not discovery,
status lists or revocation (issue 15 §2).

``match`` answers only what Starlette's router would answer with the same handler
(``Match.FULL``: the path and a listed method, ``HEAD`` too where ``GET`` is listed);
anything else (404, 405 and its ``Allow``, the trailing-slash redirect, a path holding a
newline, which Starlette's ``^…$`` pattern treats specially) is left to the ASGI app.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gatehouse.service.web import Request, Response

__all__ = ["ROUTE_TABLE", "RouteSpec", "match"]

Handler = Callable[["Request"], Awaitable["Response"]]


class RouteSpec:
    """One route: its path (at most one ``{name}`` as the last segment), its methods
    and where its handler lives (``gatehouse.service.<module>.<function>``)."""

    __slots__ = ("_handler", "function", "methods", "module", "path")

    def __init__(self, path: str, methods: tuple[str, ...], module: str, function: str) -> None:
        self.path = path
        self.methods = methods
        self.module = module
        self.function = function
        self._handler: Handler | None = None

    @property
    def handler(self) -> Handler:
        """The route's handler, imported on first use."""
        if self._handler is None:
            module = importlib.import_module(f"gatehouse.service.{self.module}")
            self._handler = getattr(module, self.function)
        return self._handler

    def accepts(self, method: str) -> bool:
        """Whether ``method`` is served; Starlette adds ``HEAD`` to every ``GET`` route."""
        return method in self.methods or (method == "HEAD" and "GET" in self.methods)

    def path_params(self, path: str) -> dict[str, str] | None:
        """The parameters if ``path`` is this route's, else None (Starlette's ``{name}``
        matches one non-empty segment: ``[^/]+``)."""
        head, brace, tail = self.path.partition("{")
        if not brace:
            return {} if path == self.path else None
        rest = path[len(head) :]
        if not path.startswith(head) or not rest or "/" in rest:
            return None
        return {tail.rstrip("}"): rest}


ROUTE_TABLE: tuple[RouteSpec, ...] = (
    RouteSpec("/login", ("POST",), "routes_tokens", "login"),
    RouteSpec("/token", ("POST",), "routes_tokens", "token"),
    RouteSpec("/logout", ("POST",), "routes_tokens", "logout"),
    RouteSpec("/revoke", ("POST",), "routes_revocation", "revoke"),
    RouteSpec("/introspect", ("POST",), "routes_revocation", "introspect"),
    RouteSpec("/.well-known/jwks.json", ("GET",), "routes_discovery", "jwks"),
    RouteSpec("/statuslists", ("GET",), "routes_status", "status_lists"),
    RouteSpec("/statuslists/{list_id}", ("GET",), "routes_status", "status_list"),
    RouteSpec("/.well-known/openid-configuration", ("GET",), "routes_discovery", "metadata"),
    RouteSpec("/.well-known/oauth-authorization-server", ("GET",), "routes_discovery", "metadata"),
    RouteSpec("/openapi.json", ("GET",), "routes_discovery", "openapi"),
    RouteSpec("/health", ("GET",), "routes_discovery", "health"),
)


def match(method: str, path: str) -> tuple[RouteSpec, dict[str, str]] | None:
    """The route serving ``method path`` and its path parameters, or None when the
    answer is not a handler's (see the module docstring)."""
    if "\n" in path:
        return None
    for route in ROUTE_TABLE:
        if route.accepts(method):
            params = route.path_params(path)
            if params is not None:
                return route, params
    return None

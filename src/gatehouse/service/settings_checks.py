"""Checks that need more than one table: ``[[functions]]`` against the token service.

The local gateway routes a request to a function before the token service, so a
function on ``POST /login`` or ``GET /.well-known/jwks.json`` would silently replace it
(and a template would deploy the same mistake). The reserved routes are read from the
service's own route table (``gatehouse.service.app.ROUTES``), never from a hand list.
Both consumers of ``[[functions]]``, ``gatehouse dev`` and ``gatehouse deploy``, call
``check_function_routes``.
"""

from __future__ import annotations

from gatehouse.errors import ConfigurationError
from gatehouse.functions.spec import ServiceSpec, route_pattern

__all__ = ["check_function_routes", "token_service_routes"]


def token_service_routes() -> tuple[tuple[str, frozenset[str]], ...]:
    """``(path, methods)`` of every route the token service answers."""
    from gatehouse.service.app import ROUTES

    return tuple((route.path, frozenset(route.methods or ())) for route in ROUTES)


def check_function_routes(functions: tuple[ServiceSpec, ...]) -> None:
    """Refuse a function route that would shadow a token-service route."""
    reserved = token_service_routes()
    for service in functions:
        for route in service.routes:
            pattern = route_pattern(route)
            for path, methods in reserved:
                if pattern.match(path) and (route.method == "ANY" or route.method in methods):
                    raise ConfigurationError(
                        f"[[functions]] {service.name}: {route.method} {route.path} would"
                        f" shadow the token service's {path}; choose another path"
                    )

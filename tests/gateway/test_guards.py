"""The dev gateway's guards are real checks: no asserts that vanish under ``python -O``,
no authorizer failure without its traceback, no function route over the token service's."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from gatehouse.errors import ConfigurationError
from gatehouse.functions.spec import Protection, Route, ServiceSpec, route_pattern
from gatehouse.gateway.app import DevGateway
from gatehouse.gateway.authorizers import LambdaAuthorizer
from gatehouse.gateway.events import DevRequest
from gatehouse.gateway.handlers import DevFunction, InProcess
from gatehouse.service.settings_checks import check_function_routes, token_service_routes


def _handler(event: dict[str, Any], context: Any) -> Any:
    return {"statusCode": 200, "body": "open"}


async def _upstream(scope: Any, receive: Any, send: Any) -> None:  # pragma: no cover
    raise AssertionError("not reached")


def _function(protection: Protection, **extra: Any) -> DevFunction:
    route = Route("GET", "/orders")
    spec = ServiceSpec("orders", "svc.orders.handler", (route,), protection=protection, **extra)
    return DevFunction(spec, InProcess(_handler), None, ((route, route_pattern(route)),))


@pytest.mark.parametrize(
    ("function", "named"),
    [
        (_function(Protection.JWT, scopes=("admin",)), 'auth = "jwt" needs a verifier'),
        (
            _function(Protection.LAMBDA, authorizer="svc.auth.handler"),
            'auth = "lambda" needs an authorizer',
        ),
    ],
)
def test_a_guarded_function_without_its_guard_is_refused(function: DevFunction, named: str) -> None:
    """A jwt route with no verifier (or lambda with no authorizer) never starts as open."""
    with pytest.raises(ConfigurationError, match=named):
        DevGateway(_upstream, (function,), verifier=None, log=lambda line: None)


def test_no_assert_guards_the_gateway() -> None:
    """Run-time checks survive python -O: the gateway's modules carry no assert statement."""
    code = (
        "import ast, inspect, gatehouse.gateway.app as a, gatehouse.gateway.handlers as h;"
        "print(sum(isinstance(n, ast.Assert) for m in (a, h)"
        " for n in ast.walk(ast.parse(inspect.getsource(m)))))"
    )
    done = subprocess.run(
        [sys.executable, "-O", "-c", code], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "0"


def test_authorizer_failure_is_logged_with_its_traceback() -> None:
    """An authorizer that raises answers 500 like API Gateway and its traceback is logged."""
    lines: list[str] = []

    def broken(event: dict[str, Any], context: Any) -> Any:
        raise RuntimeError("bug in the authorizer")

    authorizer = LambdaAuthorizer(broken, ttl=0, simple_responses=True, log=lines.append)
    request = DevRequest("GET", "/x", "", (("Authorization", "Bearer t"),), b"", "::1", "/x", {})
    decision = authorizer.authorize(request, None)
    assert decision.status == 500
    assert len(lines) == 1
    assert "Traceback (most recent call last)" in lines[0]
    assert "RuntimeError: bug in the authorizer" in lines[0]


def test_reserved_routes_come_from_the_service_route_table() -> None:
    """The token service's own routes are read from its route table, not a hand list."""
    paths = {path for path, _ in token_service_routes()}
    assert {"/login", "/token", "/.well-known/jwks.json", "/openapi.json"} <= paths


@pytest.mark.parametrize(
    "route",
    ["POST /login", "ANY /token", "GET /.well-known/{document}", "ANY /{proxy+}", "GET /health"],
)
def test_a_function_cannot_shadow_the_token_service(route: str) -> None:
    """A function route that would answer in place of the token service is refused."""
    from gatehouse.functions.spec import parse_route

    spec = ServiceSpec("grabby", "svc.h", (parse_route(route),))
    with pytest.raises(ConfigurationError, match="would shadow the token service"):
        check_function_routes((spec,))


def test_routes_beside_the_token_service_are_fine() -> None:
    """GET /login is not a token-service route (it answers POST only); /orders is free."""
    from gatehouse.functions.spec import parse_route

    spec = ServiceSpec("ok", "svc.h", (parse_route("GET /orders"), parse_route("GET /login")))
    check_function_routes((spec,))

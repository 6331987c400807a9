"""[[functions]] of gatehouse.toml as deployment specs: the shape both dev and deploy read."""

from __future__ import annotations

import re
import tomllib

import pytest

from gatehouse.errors import ConfigurationError
from gatehouse.functions.spec import Protection, Route
from gatehouse.functions.table import services_from_document

GOOD = """
[[functions]]
name = "orders-api"
handler = "svc.orders:handler"
routes = ["get /orders", "POST /orders/{id}"]
event = "v1"
auth = "jwt"
scopes = ["orders:read"]

[[functions]]
name = "profile"
handler = "svc.profile.handler"
route = "GET /profile"
[functions.auth]
type = "lambda"
authorizer = "svc.auth.handler"
ttl = 0
"""


def test_both_spellings_are_read() -> None:
    """Flat keys and an [functions.auth] table give the same kind of spec."""
    orders, profile = services_from_document(tomllib.loads(GOOD))
    assert orders.handler == "svc.orders.handler"
    assert orders.routes == (Route("GET", "/orders"), Route("POST", "/orders/{id}"))
    assert (orders.protection, orders.scopes, orders.payload) == (
        Protection.JWT,
        ("orders:read",),
        "1.0",
    )
    assert orders.logical_name == "OrdersApi"
    assert (profile.protection, profile.authorizer, profile.authorizer_ttl) == (
        Protection.LAMBDA,
        "svc.auth.handler",
        0,
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('event = "v1"', 'event = "v3"'), 'event: expected "v1"'),
        (('auth = "jwt"', 'auth = "iam"'), 'auth: expected "none", "jwt" or "lambda"'),
        (('name = "orders-api"', 'name = ""'), "name and handler are required"),
        (
            ('type = "lambda"\nauthorizer = "svc.auth.handler"', 'type = "lambda"'),
            "a Lambda authorizer needs a handler",
        ),
        (
            ('scopes = ["orders:read"]', 'scopes = "orders:read"\nenvironment = 3'),
            "environment: expected a table",
        ),
    ],
)
def test_mistakes_name_the_function_and_the_fix(change: tuple[str, str], message: str) -> None:
    """Each mistake is one ConfigurationError naming what to write instead."""
    with pytest.raises(ConfigurationError, match=message):
        services_from_document(tomllib.loads(GOOD.replace(*change)))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('scopes = ["orders:read"]', 'scope = ["orders:read"]'),
            'functions]] orders-api scope: unknown key; did you mean "scopes"?',
        ),
        (("ttl = 0", "tll = 0"), 'profile auth tll: unknown key; did you mean "ttl"?'),
        (
            ('auth = "jwt"\nscopes = ["orders:read"]', 'auth = "none"\nscopes = ["orders:read"]'),
            'only auth = "jwt" or "lambda" checks scopes',
        ),
        (('route = "GET /profile"', 'route = "GET /orders"'), "GET /orders is already routed"),
        (('route = "GET /profile"', 'route = "ANY /orders"'), "ANY /orders overlaps GET /orders"),
        (
            ('route = "GET /profile"', 'route = "POST /orders/{other}"'),
            "already routed to orders-api",
        ),
        (
            ('type = "lambda"', 'type = "lambda"\n[functions.environment]\nX = 1'),
            "table of strings",
        ),
    ],
)
def test_strict_table_refuses_what_would_run_unguarded(
    change: tuple[str, str], message: str
) -> None:
    """Typos, scopes nothing checks and routes two functions claim are refused by name."""
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        services_from_document(tomllib.loads(GOOD.replace(*change)), "gatehouse.toml")


def test_errors_name_the_file() -> None:
    """An unknown key's message starts with the file it is in."""
    with pytest.raises(ConfigurationError, match=r"^gatehouse\.toml: \[\[functions\]\]"):
        services_from_document(tomllib.loads(GOOD.replace("event =", "evnt =")), "gatehouse.toml")

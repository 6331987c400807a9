"""The [[functions]] keys the dev gateway enforces: timeout, memory, authorizer kind, identity."""

from __future__ import annotations

from typing import Any

import pytest

from gatehouse.errors import ConfigurationError, UnknownSettingError
from gatehouse.functions.spec import DEFAULT_MEMORY, DEFAULT_TIMEOUT
from gatehouse.functions.table import services_from_document


def _one(**entry: Any) -> Any:
    base = {"name": "fn", "handler": "pkg.mod.handler", "routes": ["GET /x"]}
    return services_from_document({"functions": [{**base, **entry}]})[0]


def test_lambda_defaults() -> None:
    """Unset: Lambda's 3 s and 128 MB, a REQUEST authorizer keyed on Authorization."""
    spec = _one()
    assert (spec.timeout, spec.memory) == (DEFAULT_TIMEOUT, DEFAULT_MEMORY) == (3.0, 128)
    assert spec.authorizer_type == "request"
    assert spec.identity == (("header", "Authorization"),)


def test_identity_sources_in_every_spelling() -> None:
    """Header names, HTTP API selection and REST mapping expressions all parse."""
    spec = _one(
        auth={
            "type": "lambda",
            "authorizer": "pkg.auth.handler",
            "identity_sources": [
                "X-Api-Key",
                "$request.querystring.tenant",
                "method.request.header.Authorization",
            ],
        }
    )
    assert spec.identity == (
        ("header", "X-Api-Key"),
        ("querystring", "tenant"),
        ("header", "Authorization"),
    )


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"timeout": 0}, "timeout must be more than 0"),
        ({"timeout": 901}, "at most 900 seconds"),
        ({"timeout": "3"}, "timeout: expected a number"),
        ({"memory": 64}, "memory must be between 128 and 10240"),
        ({"memory": 256.5}, "memory: expected a whole number"),
        (
            {"auth": "lambda", "authorizer": "p.a.h", "authorizer_type": "token"},
            'needs event = "v1"',
        ),
        ({"auth": "lambda", "authorizer": "p.a.h", "authorizer_type": "jwt"}, '"request" or'),
        (
            {"auth": "lambda", "authorizer": "p.a.h", "identity_sources": ["$request.body.x"]},
            "identity",
        ),
        (
            {
                "event": "v1",
                "auth": "lambda",
                "authorizer": "p.a.h",
                "authorizer_type": "token",
                "identity_sources": ["$request.querystring.t"],
            },
            "reads its token from a header",
        ),
    ],
)
def test_bad_values_are_refused(entry: dict[str, Any], message: str) -> None:
    """Out-of-range or ill-typed values stop the load with a message naming the key."""
    with pytest.raises(ConfigurationError, match=message.replace("$", r"\$")):
        _one(**entry)


def test_a_misspelt_key_names_the_nearest() -> None:
    """The table is strict: ``timout`` is refused, suggesting ``timeout``."""
    with pytest.raises(UnknownSettingError, match="timeout"):
        _one(timout=5)

"""The files ``gatehouse new function`` writes (``cli.new_cmd``)."""

from __future__ import annotations

__all__ = ["entry_text", "handler_text", "test_text"]


def entry_text(name: str) -> str:
    return f'''
# {name}: written by `gatehouse new function {name}`; the handler verifies tokens itself.
[[functions]]
name = "{name}"
handler = "{name}.handler.handler"
routes = ["GET /{name}"]
event = "v2"
auth = "none"
'''


def handler_text(name: str, algorithms: str) -> str:
    return f'''"""The {name} service: ``GET /{name}``, for callers whose token has ``{name}:read``.

``@require_token`` verifies every request's bearer token (signature against the token
service's JWKS, ``iss``, ``aud``, ``exp``, ``typ``) and the scope before this code runs,
and answers RFC 6750 401/403 itself. ``gatehouse dev`` and ``gatehouse deploy sam`` set
the environment it reads.
"""

from __future__ import annotations

import json
import os
from typing import Any

from gatehouse import Claims, RemoteJWKS, Verifier
from gatehouse.adapters.aws_lambda import require_token

__all__ = ["handler"]

# Once per container: warm invocations reuse the cached keys.
verifier = Verifier(
    issuer=os.environ["GATEHOUSE_ISSUER_URL"],
    audience=os.environ["GATEHOUSE_AUDIENCE"],
    keys=RemoteJWKS(os.environ["GATEHOUSE_JWKS_URL"]),
    algorithms=os.environ.get("GATEHOUSE_ALGORITHMS", "{algorithms}").split(","),
)


@require_token(verifier, scopes=["{name}:read"])
def handler(event: dict[str, Any], context: Any, *, claims: Claims) -> dict[str, Any]:
    body = {{"service": "{name}", "caller": claims.subject}}
    return {{
        "statusCode": 200,
        "headers": {{"content-type": "application/json"}},
        "body": json.dumps(body),
    }}
'''


def test_text(name: str) -> str:
    return f'''"""{name}: a call without a token is refused before the handler runs."""

from __future__ import annotations

import importlib

import pytest


def test_a_call_without_a_token_gets_401(monkeypatch: pytest.MonkeyPatch) -> None:
    """No Authorization header: 401 with a Bearer challenge (RFC 6750 §3)."""
    monkeypatch.setenv("GATEHOUSE_ISSUER_URL", "https://auth.example.com")
    monkeypatch.setenv("GATEHOUSE_AUDIENCE", "tests")
    monkeypatch.setenv("GATEHOUSE_JWKS_URL", "https://auth.example.com/.well-known/jwks.json")
    module = importlib.import_module("{name}.handler")
    event = {{
        "version": "2.0",
        "routeKey": "GET /{name}",
        "rawPath": "/{name}",
        "rawQueryString": "",
        "headers": {{}},
        "requestContext": {{"http": {{"method": "GET", "path": "/{name}"}}}},
        "isBase64Encoded": False,
    }}
    answer = module.handler(event, None)
    assert answer["statusCode"] == 401
    assert answer["headers"]["WWW-Authenticate"].startswith("Bearer")
'''

"""Import budget of the verifier side (issue 15 §2): what a cold start may and may not load.

Like aws-powertools' ``tests/performance/test_high_level_imports.py``, but a count, not a
timing: a fresh interpreter imports the public API and the Lambda decorator, verifies one
token from an event, and must not have imported any of the heavy modules below (each one
a web framework, a driver, an event loop or an HTTP stack a verifier never needs), nor
more of gatehouse's own modules than the budget.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

from gatehouse.jose import JWK, encode_jwt

# Modules the verify path must never pull in: each costs milliseconds of cold start.
HEAVY = (
    "asyncio",
    "concurrent.futures",
    "dataclasses",
    "email",
    "http.client",
    "inspect",
    "logging",
    "ssl",
    "socket",
    "threading",
    "urllib.request",
    "argon2",
    "anyio",
    "httpx",
    "psycopg",
    "redis",
    "sqlite3",
    "starlette",
    "uvicorn",
    "gatehouse.issuer",
    "gatehouse.service",
    "gatehouse.storage",
    # Loaded only for what a Bearer-only function does not do: DPoP, trusting an authorizer.
    "gatehouse.dpop",
    "gatehouse.adapters.target_url",
    "gatehouse.adapters.upstream",
)
GATEHOUSE_MODULE_BUDGET = 31  # 28 at the time of writing (34 before the lazy packages)

# Modules a Bearer-only ES256 function does not use, so its cold start must not load them:
# each one is at least a module (~0.1 ms) and most bring more. Named one by one, so a new
# import that brings one back fails here with its name, not as a slower benchmark.
NOT_ON_THE_LAMBDA_PATH = (
    "gatehouse.adapters.rejection",  # refusals: imported by the first one
    "gatehouse.errors.storage",  # named by refusals only (a deny-list store that is down)
    "gatehouse.errors.oauth",  # invalid_request: raised on rare paths (two Authorization headers)
    "gatehouse.errors.dpop",  # the DPoP branch: loaded with gatehouse.dpop
    "gatehouse.jose.roca",  # the ROCA test: RSA keys only
    "gatehouse.keys.base",  # the KeySource Protocol: annotations only
    "gatehouse.keys.remote",  # a remote JWKS: an HTTP fetcher
    "gatehouse.keys.status_lists",  # Token Status Lists
    "gatehouse.keys.decryption",  # nested JWTs (JWE)
    "gatehouse.jose.jwe",
    "gatehouse.jose.status_list",
    "gatehouse.adapters.deny_check",  # only with deny_list=
    "gatehouse.adapters.txn_check",  # only with txn_token=
    "gatehouse.txn_verify",
    "gatehouse.adapters.asgi",
    "gatehouse.adapters.wsgi",
    "gatehouse.adapters.authorizer",
    "gatehouse.client",
    # ec.ECDSA's constructor imports the whole OpenSSL backend (~5 ms): jose.ecdsa avoids it.
    "cryptography.hazmat.backends",
    "cryptography.hazmat.primitives.asymmetric.rsa",
    "cryptography.hazmat.primitives.asymmetric.ed25519",
    "hashlib",
    "difflib",
)

# The verifier alone (no adapter) needs neither the Authorization parser nor the branches
# of errors that only an HTTP answer names.
NOT_ON_THE_VERIFIER_PATH = (
    "gatehouse.adapters",
    "gatehouse.authorization",
    "gatehouse.errors.dpop",
    "gatehouse.errors.oauth",
    "gatehouse.errors.storage",
)

_PROGRAM = """
import json, os, sys
from gatehouse import JWKS, Verifier
from gatehouse.adapters.aws_lambda import require_token
verifier = Verifier(issuer="https://auth.example.com", audience="orders",
                    keys=JWKS.from_env("JWKS"), algorithms=["ES256"])
@require_token(verifier)
def handler(event, context, *, claims):
    return {"statusCode": 200, "body": claims["sub"]}
event = {"version": "2.0", "routeKey": "GET /orders", "rawPath": "/orders",
         "rawQueryString": "", "isBase64Encoded": False,
         "headers": {"authorization": "Bearer " + os.environ["TOKEN"], "host": "x.example"},
         "requestContext": {"http": {"method": "GET", "path": "/orders"}, "stage": "$default"}}
assert handler(event, None) == {"statusCode": 200, "body": "user-1"}
print(json.dumps(sorted(sys.modules)))
"""


_VERIFIER_PROGRAM = """
import json, os, sys
from gatehouse import JWKS, Verifier
verifier = Verifier(issuer="https://auth.example.com", audience="orders",
                    keys=JWKS.from_env("JWKS"), algorithms=["ES256"])
assert verifier.verify(os.environ["TOKEN"])["sub"] == "user-1"
print(json.dumps(sorted(sys.modules)))
"""


def _matching(modules: list[str], names: tuple[str, ...]) -> list[str]:
    """The ``modules`` that are one of ``names`` or inside one of them."""
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


def _modules_after_one_verify(program: str = _PROGRAM) -> list[str]:
    """``sys.modules`` of a fresh interpreter that ran ``program`` on one valid ES256 token."""
    key = JWK.generate("ES256")
    now = int(time.time())
    claims = {"iss": "https://auth.example.com", "aud": "orders", "sub": "user-1"}
    token = encode_jwt({**claims, "iat": now, "exp": now + 600}, key, "ES256")
    env = {
        **os.environ,
        "JWKS": json.dumps({"keys": [key.public().to_dict()]}),
        "TOKEN": token,
    }
    done = subprocess.run(
        [sys.executable, "-c", program],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    modules: list[str] = json.loads(done.stdout)
    return modules


def test_verifier_cold_start_imports_no_heavy_module() -> None:
    """Verifying one Lambda event's token imports no framework, driver, loop or HTTP stack."""
    modules = _modules_after_one_verify()
    loaded = sorted(
        name for name in modules if any(name == h or name.startswith(h + ".") for h in HEAVY)
    )
    assert loaded == []
    own = [name for name in modules if name == "gatehouse" or name.startswith("gatehouse.")]
    assert len(own) <= GATEHOUSE_MODULE_BUDGET, own


def test_lambda_cold_start_loads_only_what_a_bearer_function_uses() -> None:
    """The Lambda decorator's first ES256 event loads no DPoP, RSA, JWE, remote-key or
    OpenSSL-backend module, nor any adapter or branch of errors it does not use."""
    assert _matching(_modules_after_one_verify(), NOT_ON_THE_LAMBDA_PATH) == []


_REFUSED_PROGRAM = """
import json, os, sys
from gatehouse import JWKS, Verifier
from gatehouse.adapters.aws_lambda import require_token
verifier = Verifier(issuer="https://auth.example.com", audience="orders",
                    keys=JWKS.from_env("JWKS"), algorithms=["ES256"])
@require_token(verifier)
def handler(event, context, *, claims):
    return {"statusCode": 200, "body": claims["sub"]}
event = {"version": "2.0", "routeKey": "GET /orders", "rawPath": "/orders",
         "rawQueryString": "", "isBase64Encoded": False,
         "headers": {"authorization": "Bearer " + os.environ["TOKEN"][:-4] + "AAAA",
                     "host": "x.example"},
         "requestContext": {"http": {"method": "GET", "path": "/orders"}, "stage": "$default"}}
response = handler(event, None)
assert response["statusCode"] == 401, response
assert 'error="invalid_token"' in response["headers"]["WWW-Authenticate"], response
print(json.dumps(sorted(sys.modules)))
"""


def test_lambda_cold_start_refusal_loads_the_refusal_code_then() -> None:
    """A cold start whose first token is forged still answers 401 with its challenge: the
    refusal code the valid path never loads is imported by the first refusal."""
    modules = _modules_after_one_verify(_REFUSED_PROGRAM)
    assert "gatehouse.adapters.rejection" in modules


def test_verifier_cold_start_loads_no_adapter_or_http_error_branch() -> None:
    """``Verifier.verify`` alone loads no adapter, no Authorization parser and only the
    branches of errors a token check raises (base, token, keys, config)."""
    modules = _modules_after_one_verify(_VERIFIER_PROGRAM)
    assert _matching(modules, NOT_ON_THE_VERIFIER_PATH + NOT_ON_THE_LAMBDA_PATH) == []
    assert _matching(modules, ("gatehouse.errors",)) == [
        "gatehouse.errors",
        "gatehouse.errors.base",
        "gatehouse.errors.config",
        "gatehouse.errors.keys",
        "gatehouse.errors.token",
    ]


_SERVICE_PROGRAM = """
import json, os, sys
from gatehouse.service.lambda_entry import build_bridge
build_bridge(os.environ)
print(json.dumps(sorted(sys.modules)))
"""

# Not needed to build the token service or to answer its first login, unless configured.
SERVICE_LAZY = ("gatehouse.jose.jwe", "gatehouse.issuer.encryption", "psycopg", "redis", "uvicorn")


def test_token_service_build_imports_no_unconfigured_part(tmp_path: Path) -> None:
    """Building the Lambda token service on SQLite loads no JWE, PostgreSQL, Redis or server."""
    from gatehouse.jose import b64url_encode

    env = {
        **os.environ,
        "GATEHOUSE_ISSUER_URL": "https://issuer.example",
        "GATEHOUSE_ISSUER_AUDIENCES": "https://api.example",
        "GATEHOUSE_STORAGE_URL": f"sqlite:///{tmp_path / 'service.db'}",
        "GATEHOUSE_KEK": b64url_encode(secrets.token_bytes(32)),
    }
    done = subprocess.run(
        [sys.executable, "-c", _SERVICE_PROGRAM],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    modules: list[str] = json.loads(done.stdout)
    loaded = sorted(
        name for name in modules if any(name == h or name.startswith(h + ".") for h in SERVICE_LAZY)
    )
    assert loaded == []

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
GATEHOUSE_MODULE_BUDGET = 40  # 35 at the time of writing (errors is a package of 8)

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


def _modules_after_one_verify() -> list[str]:
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
        [sys.executable, "-c", _PROGRAM],
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

"""What a Lambda cold start of the token service imports (issue 15 §2): a count, not a time.

A fresh interpreter imports ``gatehouse.service.lambda_entry`` and answers one HTTP API
2.0 ``POST /login`` through ``lambda_entry.handler``, as the Lambda runtime would, over
SQLite. It must not have loaded the ASGI stack (the events go straight to the route
handlers: ``lambda_dispatch``) nor anything no login uses. ``sys.modules`` is read, so
the test is deterministic; ``bench/service_http.py`` (a) measures the time.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from gatehouse.issuer import FAST_TEST_PROFILE
from gatehouse.jose import b64url_encode
from gatehouse.service.compose import build_stores, build_token_service
from gatehouse.service.settings import load_settings

PASSWORD = "correct horse battery"

# Never on the path of a first /login: each one is milliseconds of cold start.
NOT_FOR_A_LOGIN = (
    # the ASGI stack: Starlette, its event loop, the app and the bridge that runs it
    "starlette",
    "anyio",
    "asyncio",
    "uvicorn",
    "httpx",
    "gatehouse.service.app",
    "gatehouse.service.lambda_bridge",
    "gatehouse.service.issuer_keys",
    # what other endpoints and grants use
    "gatehouse.service.openapi",
    "gatehouse.service.routes_discovery",
    "gatehouse.service.routes_revocation",
    "gatehouse.service.routes_status",
    "gatehouse.issuer.exchange",
    "gatehouse.issuer.txn_tokens",
    "gatehouse.txn_verify",
    "gatehouse.issuer.introspection",
    "gatehouse.issuer.revocation",
    "gatehouse.issuer.password_policy",
    "gatehouse.issuer.encryption",
    "gatehouse.jose.jwe",
    "gatehouse.dpop",
    "gatehouse.verify",
    "gatehouse.keys",
    # unconfigured stores, and what finding libc or package resources would pull in
    "psycopg",
    "redis",
    "gatehouse.storage.postgres",
    "gatehouse.storage.redis_counters",
    "ctypes",
    "importlib.resources",
    "zipfile",
    "tempfile",
    # the ec.ECDSA constructor's backend check (~4 ms): the ES256 signer builds its
    # parameter object as the verifier does (jose.ecdsa)
    "cryptography.hazmat.backends.openssl.backend",
)

# Importing the entry point builds nothing (the first invocation does) and loads no more.
NOT_AT_IMPORT = (
    "gatehouse.issuer",
    "gatehouse.storage",
    "gatehouse.service.settings",
    "gatehouse.service.compose",
    "argon2",
    "cryptography",
    "sqlite3",
    "dataclasses",
    "json",
)

_PROGRAM = """
import sys
before = set(sys.modules)
from gatehouse.service import lambda_entry
at_import = sorted(set(sys.modules) - before)
import json
event = {
    "version": "2.0", "routeKey": "$default", "rawPath": "/login", "rawQueryString": "",
    "headers": {"content-type": "application/json", "host": "issuer.example"},
    "requestContext": {"http": {"method": "POST", "path": "/login", "sourceIp": "192.0.2.1"}},
    "body": json.dumps({"username": "alice", "password": sys.argv[1]}),
    "isBase64Encoded": False,
}
answer = lambda_entry.handler(event, None)
print(json.dumps({"status": answer["statusCode"], "at_import": at_import,
                  "after_login": sorted(sys.modules)}))
"""


def _loaded(modules: list[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


def _cold_login(tmp_path: Path) -> dict[str, object]:
    env = {
        "GATEHOUSE_ISSUER_URL": "https://issuer.example",
        "GATEHOUSE_ISSUER_AUDIENCES": "https://api.example",
        "GATEHOUSE_STORAGE_URL": f"sqlite:///{tmp_path / 'cold.db'}",
        "GATEHOUSE_KEK": b64url_encode(secrets.token_bytes(32)),
    }
    settings = load_settings(environ=env)
    with build_stores(settings) as stores:
        service = build_token_service(settings, stores, password_profile=FAST_TEST_PROFILE)
        service.create_account("alice", PASSWORD)
    done = subprocess.run(
        [sys.executable, "-c", _PROGRAM, PASSWORD],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_a_cold_login_loads_no_asgi_stack_and_nothing_a_login_does_not_use(
    tmp_path: Path,
) -> None:
    """Import the entry point, answer one /login: no Starlette, AnyIO, asyncio, app or
    bridge, and none of the other endpoints', grants' or stores' modules; importing the
    entry point alone loads neither the issuer nor its libraries."""
    result = _cold_login(tmp_path)
    assert result["status"] == 200
    after = result["after_login"]
    assert isinstance(after, list)
    assert _loaded(after, NOT_FOR_A_LOGIN) == []
    at_import = result["at_import"]
    assert isinstance(at_import, list)
    assert _loaded(at_import, NOT_AT_IMPORT) == []
